import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outputContaining, serviceEnv, startServiceProcess, type ServiceProcess } from './helpers/process.js';

/** The service as deployed with METRICS_LISTEN: a second port that serves only /metrics, with the process metrics. */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-metrics-'));
let service: ServiceProcess | undefined;

afterAll(() => {
  service?.child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('METRICS_LISTEN', { timeout: 120_000 }, () => {
  it('opens a second listener serving /metrics only, beside the main port where /metrics needs an admin token, and closes it on SIGTERM', async () => {
    service = startServiceProcess(serviceEnv({ DATA_DIR: dataDir, METRICS_LISTEN: '127.0.0.1:0' }));
    const url = await service.ready;
    const logged = (await outputContaining(service.stdout, '"metrics listening"')).split('\n').find((line) => line.includes('"metrics listening"'));
    const metricsUrl = (JSON.parse(logged!) as { url: string }).url;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const scrape = await fetch(metricsUrl);
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    // The process's own metrics (collectDefaultMetrics), the service's, and the request just made on the main port.
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^cadap_db_pool_max_connections 1$/m);
    expect(text).toMatch(/^cadap_deadlines_overdue\{protocol="pre-release",rule="[a-z_]+",kind="[a-z]+"\} \d+$/m);
    expect(text).toContain('cadap_http_request_duration_seconds_count{method="GET",route="/health/live",status="200"} 1');

    const base = metricsUrl.replace(/\/metrics$/, '');
    expect((await fetch(`${base}/health/live`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`)).status).toBe(401);

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    await expect(fetch(metricsUrl)).rejects.toThrow();
  });
});
