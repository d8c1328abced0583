// --git-config and --git-config-add: v4's parser cases (main_test.go, TestParseGitConfigs) and
// its end-to-end case (test_e2e.sh, additional_git_configs), and the use manifests make of them:
// safe.directory for a repository another uid owns.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseGitConfig } from '../src/git-config.js';
import { Origin, runGitSync, tempDir } from './helpers.js';

test("v4's parser cases: quoted and bare keys and values, escapes, commas, a dangling comma", () => {
  // v4's cases, with a section added where v4 used a bare `k`: git refuses a key without one,
  // and here that is refused at start, not by the first git command.
  const cases: [string, [string, string][]][] = [
    ['', []],
    ['s.k:v', [['s.k', 'v']]],
    ['"s.k":v', [['s.k', 'v']]],
    ['s.k:"v"', [['s.k', 'v']]],
    ['"s.k":"v"', [['s.k', 'v']]],
    [
      's.k1:v1,"s.k2":v2,s.k3:"v3","s.k4":"v4"',
      [
        ['s.k1', 'v1'],
        ['s.k2', 'v2'],
        ['s.k3', 'v3'],
        ['s.k4', 'v4'],
      ],
    ],
    ['sect.sub.var:v', [['sect.sub.var', 'v']]],
    ['k.sub section.var:v', [['k.sub section.var', 'v']]],
    ['k.sub,section.var:v', [['k.sub,section.var', 'v']]],
    ['"k.sub:section.var":v', [['k.sub:section.var', 'v']]],
    [
      's.k1:v 1,s.k2:v 2',
      [
        ['s.k1', 'v 1'],
        ['s.k2', 'v 2'],
      ],
    ],
    [
      's.k1:" v 1 ",s.k2:" v 2 "',
      [
        ['s.k1', ' v 1 '],
        ['s.k2', ' v 2 '],
      ],
    ],
    [
      's.k1:"v1",s.k2:"v2",',
      [
        ['s.k1', 'v1'],
        ['s.k2', 'v2'],
      ],
    ],
    ['s.k1:v\\n\\t\\\\\\"\\,1', [['s.k1', 'v\n\t\\",1']]],
    ['s.k1:"v\\n\\t\\\\\\"\\,1"', [['s.k1', 'v\n\t\\",1']]],
    ['s.k1:"v,1"', [['s.k1', 'v,1']]],
    ['safe.directory:*', [['safe.directory', '*']]],
  ];
  for (const [input, expected] of cases) {
    assert.deepEqual(
      parseGitConfig(input),
      expected.map(([key, value]) => ({ key, value })),
      input,
    );
  }
  const failures: [string, RegExp][] = [
    ['abc123', /expected key:value/],
    ['"s.k\\xk":v', /unsupported escape "\\x"/],
    ['s.k1:"v1"x,s.k2:"v2"', /key s\.k1: expected "," after the quoted value/],
    ['"s.k1:v1', /is not closed/],
    ['s.k1:"v1', /is not closed/],
    ['s.k1:', /key s\.k1: no value/],
    ['k:v', /"k" is not a git config key/],
    ['s.sub.na me:v', /is not a git config key/],
  ];
  for (const [input, problem] of failures) assert.throws(() => parseGitConfig(input), problem, input);
});

test("v4's additional_git_configs: --git-config and repeated --git-config-add reach git's config", async () => {
  const origin = new Origin();
  origin.commit({ file: 'additional_git_configs' });
  const dir = tempDir();
  const dump = join(dir, 'config');
  // The exechook runs with git-sync's environment, so it sees the config git-sync's git sees.
  const hook = join(dir, 'dump-config');
  writeFileSync(hook, `#!/bin/sh\ngit config --global --list > '${dump}'\n`);
  chmodSync(hook, 0o755);
  const run = await runGitSync({ GITSYNC_EXECHOOK_COMMAND: hook }, [
    '--one-time',
    `--repo=${origin.url}`,
    `--root=${join(dir, 'root')}`,
    '--link=link',
    '--git-config=http.postBuffer:10485760,sect.k1:"a val",sect.k2:another val',
    '--git-config-add=sect.k3:a val',
    '--git-config-add=sect.k4:"a val with quotes"',
    '--git-config-add="sect.k5":"quoted_all"',
  ]);
  assert.equal(run.code, 0, run.stdout() + run.stderr());
  assert.equal(readFileSync(join(dir, 'root', 'link', 'file'), 'utf8'), 'additional_git_configs');
  const config = readFileSync(dump, 'utf8');
  for (const line of [
    'http.postbuffer=10485760',
    'sect.k1=a val',
    'sect.k2=another val',
    'sect.k3=a val',
    'sect.k4=a val with quotes',
    'sect.k5=quoted_all',
  ]) {
    assert.ok(config.split('\n').includes(line), `${line} in:\n${config}`);
  }
});

test('a bad --git-config exits 78 naming the problem, before any git runs', async () => {
  const root = tempDir();
  const run = await runGitSync({}, ['--repo=file:///nowhere', `--root=${root}`, '--git-config-add=sect.k1:"open']);
  assert.equal(run.code, 78);
  assert.match(run.stderr(), /GITSYNC_GIT_CONFIG_ADD: the quoted "open" is not closed/);
});

const notRoot = process.getuid?.() !== 0 && 'giving the origin to another uid needs root';

test('--git-config-add=safe.directory:* syncs a repository another uid owns (git 2.39 takes it only from a global config)', {
  skip: notRoot,
}, async () => {
  const origin = new Origin();
  origin.commit({ 'index.html': 'owned by someone else' });
  execFileSync('chown', ['-R', '54321:54321', origin.dir]);
  const refused = await runGitSync({}, ['--one-time', `--repo=${origin.url}`, `--root=${tempDir()}`]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stdout(),
    /owned by another user, and git refuses it; if you trust it, add --git-config-add=safe.directory/,
  );
  const root = tempDir();
  const run = await runGitSync({}, [
    '--one-time',
    `--repo=${origin.url}`,
    `--root=${root}`,
    '--git-config-add=safe.directory:*',
  ]);
  assert.equal(run.code, 0, run.stdout() + run.stderr());
  assert.equal(readFileSync(join(root, 'site', 'index.html'), 'utf8'), 'owned by someone else');
});
