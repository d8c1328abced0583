// The pod's volumes as folders under its temp dir. emptyDir is an empty folder; configMap,
// secret and projected volumes are written from the same rendered stream, with their items and
// modes, in the kubelet's layout: the files live in a timestamped folder that `..data` points
// at, and each top-level name is a symlink through `..data`. Apps that watch a mounted file for
// Kubernetes' `..data` swap (web's app config, the ambassador's server list) see the real thing.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dataOf } from './manifests.js';
import type { K8sObject, KeyToPath, Volume } from './types.js';

export class VolumeError extends Error {
  override name = 'VolumeError';
}

/** Supported here; anything else (hostPath, persistentVolumeClaim, ...) is refused by name. */
const KINDS = ['emptyDir', 'configMap', 'secret', 'projected'] as const;

interface Source {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  items?: KeyToPath[];
  optional?: boolean;
}

/** Writes every volume under `root`; returns each volume's folder by name. */
export function materializeVolumes(
  volumes: Volume[],
  root: string,
  objects: K8sObject[],
  namespace: string,
  transformText: (text: string) => string,
): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const volume of volumes) {
    const kind = KINDS.find((k) => volume[k] !== undefined);
    if (!kind) {
      const other = Object.keys(volume).find((k) => k !== 'name') ?? '(no type)';
      throw new VolumeError(
        `volume ${volume.name}: ${other} volumes cannot run on this machine; podrun has ${KINDS.join(', ')}`,
      );
    }
    const dir = join(root, volume.name);
    mkdirSync(dir, { recursive: true });
    dirs.set(volume.name, dir);
    if (kind === 'emptyDir') continue;
    let sources: Source[];
    let defaultMode: number | undefined;
    if (kind === 'configMap' && volume.configMap) {
      sources = [{ kind: 'ConfigMap', ...volume.configMap }];
      defaultMode = volume.configMap.defaultMode;
    } else if (kind === 'secret' && volume.secret) {
      const { secretName, ...rest } = volume.secret;
      sources = [{ kind: 'Secret', name: secretName, ...rest }];
      defaultMode = volume.secret.defaultMode;
    } else {
      sources = (volume.projected?.sources ?? []).flatMap((s): Source[] => {
        if (s.configMap) return [{ kind: 'ConfigMap', ...s.configMap }];
        if (s.secret) return [{ kind: 'Secret', ...s.secret }];
        throw new VolumeError(`volume ${volume.name}: podrun projects configMap and secret sources only`);
      });
      defaultMode = volume.projected?.defaultMode;
    }
    const files = new Map<string, { content: Buffer; mode: number }>();
    for (const source of sources) {
      const data = dataOf(objects, source.kind, source.name, namespace);
      if (!data) {
        if (source.optional) continue;
        throw new VolumeError(
          `volume ${volume.name}: ${source.kind} ${namespace}/${source.name} is not in the manifests`,
        );
      }
      const items: KeyToPath[] = source.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      for (const item of items) {
        const content = data[item.key];
        if (content === undefined) {
          if (source.optional) continue;
          throw new VolumeError(`volume ${volume.name}: ${source.kind} ${source.name} has no key ${item.key}`);
        }
        files.set(item.path, { content, mode: item.mode ?? defaultMode ?? 0o644 });
      }
    }
    writeAtomicLayout(dir, files, transformText);
  }
  return dirs;
}

function writeAtomicLayout(
  dir: string,
  files: Map<string, { content: Buffer; mode: number }>,
  transformText: (text: string) => string,
) {
  const stamp = `..${new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '')}`;
  const tops = new Set<string>();
  for (const [path, { content, mode }] of files) {
    if (path.startsWith('/') || path.split('/').includes('..'))
      throw new VolumeError(`item path ${path}: must be relative, without '..'`);
    const file = join(dir, stamp, path);
    mkdirSync(dirname(file), { recursive: true });
    const text = content.toString('utf8');
    // Text is rewritten by the Service mappings; anything that is not valid UTF-8 is left as is.
    const bytes = Buffer.from(text, 'utf8').equals(content) ? Buffer.from(transformText(text)) : content;
    writeFileSync(file, bytes);
    chmodSync(file, mode);
    tops.add(path.split('/')[0] as string);
  }
  symlinkSync(stamp, join(dir, '..data'));
  for (const top of tops) symlinkSync(join('..data', top), join(dir, top));
}
