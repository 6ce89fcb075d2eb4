import { z } from 'zod';

export const Distribution = z.array(z.object({
  value: z.string(),
  label: z.string(),
  datasets: z.number().int(),
  files: z.number().int(),
}));

export const Stats = z.object({
  totals: z.object({
    datasets: z.number().int(),
    files: z.number().int(),
    modalities: z.number().int(),
    organs: z.number().int(),
  }),
  by_modality: Distribution,
  by_organ: Distribution,
  by_task: Distribution,
  by_data_type: Distribution,
  // Figure 1D of the paper: files per dataset on a log axis. Bin i holds
  // datasets with 10^i <= file_count < 10^(i+1); `unknown` counts cards without a count.
  files_histogram: z.object({
    bins: z.array(z.object({ min: z.number().int(), max: z.number().int(), datasets: z.number().int() })),
    unknown: z.number().int(),
  }),
  table1: z.array(z.object({
    organ: z.string(),
    modality: z.string(),
    datasets: z.number().int(),
    files: z.number().int(),
    formats: z.array(z.string()),
    tasks: z.array(z.string()),
  })),
});
export type Stats = z.infer<typeof Stats>;
