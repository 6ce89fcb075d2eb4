// Shared with the server (download.sh of a selection prints the same commands): the one definition is in contract/.
export { sourceCommand } from '../../../contract/source-commands.js';
