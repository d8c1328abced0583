import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnNode, tempDir } from '@pod-patterns/testing';
import { MappingError, parseMapping } from '../src/mapping.js';
import { entrypoint } from './helpers.js';

function problems(rules: string, namespace = 'app'): string {
  try {
    parseMapping(`namespace: ${namespace}\nmetrics:\n${rules}`, 'm.yaml');
  } catch (error) {
    if (error instanceof MappingError) return error.message;
    throw error;
  }
  assert.fail('expected the mapping to be refused');
}

test('a rule that breaks a convention is refused, naming the rule and the field', () => {
  assert.match(
    problems('  - { name: app_jobs, help: h, type: counter, path: $.j }'),
    /rule 1 \(app_jobs\): name: a counter must end in _total/,
  );
  assert.match(
    problems('  - { name: app_depth_total, help: h, type: gauge, path: $.j }'),
    /rule 1 \(app_depth_total\): name: only counters end in _total/,
  );
  assert.match(
    problems('  - { name: AppJobs, help: h, type: gauge, path: $.j }'),
    /rule 1 \(AppJobs\): name: metric names are lower_snake_case/,
  );
  assert.match(
    problems('  - { name: other_jobs, help: h, type: gauge, path: $.j }'),
    /name: must start with the namespace prefix "app_"/,
  );
  assert.match(problems('  - { name: app_x_count, help: h, type: gauge, path: $.j }'), /name: must not end in _bucket/);
  assert.match(problems('  - { name: app_up, help: h, type: gauge, path: $.j }'), /app_up is the adapter's own/);
});

test('structural problems are refused, every one listed', () => {
  const message = problems(`  - { name: app_a, help: h, type: gauge, path: "$[[[" }
  - { name: app_b, help: h, type: histogram, path: $.b }
  - { name: app_c, help: h, type: gauge, path: $.c, colour: red }
  - { name: app_d, help: h, type: summary, path: $.d }
  - { name: app_e, help: h, type: gauge, path: $.e, keys: [x], labels: { x: $.y } }
  - { name: app_f, help: h, type: gauge, path: "$..[?(@.x)]" }
  - { name: app_a, help: h, type: gauge, path: $.a }`);
  assert.match(message, /rule 1 \(app_a\): path: "\$\[\[\[" is not in the supported JSONPath subset/);
  assert.match(message, /rule 2 \(app_b\): buckets: a histogram needs buckets, sum and count/);
  assert.match(message, /rule 3 \(app_c\): \(rule\): Unrecognized key: "colour"/);
  assert.match(message, /rule 4 \(app_d\): type: Invalid option/);
  assert.match(message, /rule 5 \(app_e\): labels: label x is given twice/);
  assert.match(message, /rule 6 \(app_f\): path: .* is not in the supported JSONPath subset/);
  assert.match(message, /rule 7 \(app_a\): name: another rule has the same name/);
  assert.match(problems('  - {}', 'Bad-NS'), /namespace: a lower_snake_case prefix/);
});

test('a name in a non-base unit is accepted with a warning', () => {
  const mapping = parseMapping(
    'namespace: app\nmetrics:\n  - { name: app_latency_ms, help: h, type: gauge, path: $.l }',
    'm.yaml',
  );
  assert.equal(mapping.rules.length, 1);
  assert.match(mapping.warnings[0] ?? '', /rule 1 \(app_latency_ms\): name: Prometheus uses base units/);
});

test('a bad mapping file stops the adapter at start: exit 78 with the rule named', async () => {
  const dir = tempDir('adapter-mapping-');
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'namespace: app\nmetrics:\n  - { name: app_jobs, help: h, type: counter, path: $.j }\n');
  const run = spawnNode(entrypoint, [], { env: { ADAPTER_MAPPING_FILE: file, ADAPTER_LISTEN: '127.0.0.1:0' } });
  assert.equal(await run.exited, 78);
  assert.match(run.stderr(), /rule 1 \(app_jobs\): name: a counter must end in _total/);
  const missing = spawnNode(entrypoint, [], { env: { ADAPTER_MAPPING_FILE: join(dir, 'absent.yaml') } });
  assert.equal(await missing.exited, 78);
  assert.match(missing.stderr(), /cannot read mapping file .*absent.yaml \(ENOENT\)/);
});
