#!/usr/bin/env node
// podrun: one pod from Kubernetes manifests, run as local processes in Kubernetes order.
//   podrun k8s/ --pod demo --host config-api:80=127.0.0.1:8081
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { choosePodAddress, portsInUse } from './address.js';
import { EventLog } from './events.js';
import { parseImageMapping } from './images.js';
import { loadObjects, selectPod } from './manifests.js';
import { Output } from './output.js';
import { Pod } from './pod.js';
import { preparePod } from './prepare.js';
import { parseHostMapping } from './rewrite.js';

const USAGE = `usage: podrun SOURCE [options]

SOURCE is a kustomize folder (rendered with kubectl kustomize) or a manifest file.

  --pod NAME              the Pod, Deployment or StatefulSet to run (needed when there are several)
  --host NAME:PORT=ADDR:PORT
                          send a Service's name and port to a local address (repeatable)
  --image IMAGE=COMMAND   run a third-party image as a local command (repeatable)
  --address ADDR          the pod's address (default: a free one in 127.0.0.0/8)
  --events FILE           write every start, probe result, exit and signal as JSON lines
  --backoff-scale N       multiply the kubelet's restart backoff (10 s doubling to 5 min) by N
  --help
`;

/** EX_USAGE, as the apps use it for bad configuration. */
const EXIT_USAGE = 64;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    process.stderr.write(`podrun: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const source = positionals[0];
  if (!source || positionals.length > 1) {
    process.stderr.write(`podrun: give one SOURCE\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const backoffScale = Number(values['backoff-scale'] ?? '1');
  if (!(backoffScale > 0)) {
    process.stderr.write(`podrun: --backoff-scale ${values['backoff-scale']}: expected a number above 0\n`);
    return EXIT_USAGE;
  }

  let pod: Pod;
  let podDir: string | undefined;
  const cleanup = () => {
    if (podDir) rmSync(podDir, { recursive: true, force: true });
  };
  try {
    const hosts = (values.host ?? []).map(parseHostMapping);
    const images = new Map((values.image ?? []).map(parseImageMapping));
    const objects = loadObjects(source);
    const selected = selectPod(objects, values.pod);
    const address = await choosePodAddress(values.address);
    const prepared = preparePod(selected, objects, { address, repoRoot, images, hosts });
    podDir = prepared.dir;
    const taken = await portsInUse(address, prepared.ports);
    if (taken.length > 0) throw new Error(`ports the pod needs are in use: ${taken.join(', ')}`);
    const output = new Output(
      process.stdout,
      prepared.containers.map((c) => c.name),
    );
    output.note(`${selected.owner} as pod ${prepared.name} at ${address} (files in ${prepared.dir})`);
    pod = new Pod(prepared, {
      restartPolicy: selected.spec.restartPolicy ?? 'Always',
      graceSeconds: selected.spec.terminationGracePeriodSeconds ?? 30,
      backoffScale,
      events: new EventLog(values.events),
      output,
    });
    // npm forwards the terminal's Ctrl-C to its script, which has it from the terminal too: one
    // keypress can arrive twice, a moment apart. A repeat counts only after a second has passed.
    let lastSignal = 0;
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.on(signal, () => {
        if (Date.now() - lastSignal < 1000) return;
        lastSignal = Date.now();
        output.note(`${signal}: stopping the pod (again to kill it now)`);
        pod.terminate(signal);
      });
    // Containers run in process groups of their own; none may outlive podrun, however it ends.
    process.once('exit', () => pod.kill('podrun exited'));
    const code = await pod.run();
    output.close();
    return code;
  } catch (error) {
    process.stderr.write(`podrun: ${(error as Error).message}\n`);
    return 1;
  } finally {
    cleanup();
  }
}

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      pod: { type: 'string' },
      host: { type: 'string', multiple: true },
      image: { type: 'string', multiple: true },
      address: { type: 'string' },
      events: { type: 'string' },
      'backoff-scale': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

process.exitCode = await main();
