import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stats } from '../../contract/index.js';
import { startTestApp } from '../../test/helpers.js';

let t: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

describe('GET /api/v1/stats', () => {
  it('computes totals, Figure 1 distributions and Table 1 from the database', async () => {
    const res = await t.app.inject('/api/v1/stats');
    expect(res.statusCode).toBe(200);
    const stats = Stats.parse(res.json());
    expect(stats.totals).toEqual({ datasets: 6, files: 121550, modalities: 4, organs: 5 });
    expect(stats.by_modality.find((m) => m.value === 'CT')).toEqual({ value: 'CT', label: 'Computed tomography', datasets: 3, files: 1050 });
    expect(stats.by_organ[0]).toEqual({ value: 'lung', label: 'Lung', datasets: 3, files: 101050 });
    expect(stats.by_task.map((x) => [x.value, x.datasets])).toEqual([['classification', 4], ['segmentation', 3]]);
    expect(stats.by_data_type.find((x) => x.value === 'series')?.datasets).toBe(3);
    // 50 | 500, 1000 | 20000 | 100000 and one dataset without a count
    expect(stats.files_histogram).toEqual({
      bins: [
        { min: 10, max: 100, datasets: 1 },
        { min: 100, max: 1000, datasets: 1 },
        { min: 1000, max: 10000, datasets: 1 },
        { min: 10000, max: 100000, datasets: 1 },
        { min: 100000, max: 1000000, datasets: 1 },
      ],
      unknown: 1,
    });
    expect(stats.table1.find((c) => c.organ === 'lung' && c.modality === 'CT')).toEqual({
      organ: 'lung', modality: 'CT', datasets: 2, files: 1050, formats: ['dcm', 'jpg', 'nii.gz'], tasks: ['classification', 'segmentation'],
    });
    expect(stats.table1.map((c) => `${c.organ}/${c.modality}`)).toEqual([
      'lung/XR', 'lung/CT', 'brain/MRI', 'heart/ECG', 'kidney/CT', 'kidney/MRI', 'liver/CT', 'liver/MRI',
    ]);
  });
});

describe('vocabularies, health, OpenAPI', () => {
  it('labels every code', async () => {
    const res = await t.app.inject('/api/v1/vocabularies');
    expect(res.statusCode).toBe(200);
    const v = res.json();
    expect(v.modality).toContainEqual({ code: 'CT', label: 'Computed tomography' });
    expect(v.organ).toContainEqual({ code: 'whole-body', label: 'Whole body' });
    expect(Object.keys(v)).toEqual(['modality', 'organ', 'task', 'data_type', 'file_count_unit', 'platform', 'commercial_use', 'update_method']);
  });

  it('answers /healthz', async () => {
    const res = await t.app.inject('/healthz');
    expect(res.json()).toEqual({ status: 'ok', demo: 'off' });
  });

  it('publishes an OpenAPI document generated from the contract and a browsable reference', async () => {
    const doc = (await t.app.inject('/api/openapi.json')).json();
    expect(doc.openapi).toBe('3.0.3');
    const params = doc.paths['/api/v1/datasets'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(['q', 'modality', 'organ', 'task', 'format', 'data_type', 'labelled', 'platform', 'license', 'year_from', 'year_to', 'sort', 'page', 'per_page', 'hide_unreachable']);
    const modality = doc.paths['/api/v1/datasets'].get.parameters[1];
    expect(JSON.stringify(modality.schema)).toContain('"XR"');
    expect(Object.keys(doc.paths)).toContain('/api/v1/datasets/{slug}/croissant.json');
    const ui = await t.app.inject('/api/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger-ui');
  });
});
