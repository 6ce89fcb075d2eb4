export * from './vocab.js';
export * from './card.js';
export * from './datasets.js';
export * from './stats.js';
export * from './files.js';
