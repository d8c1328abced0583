// A container's environment, as the kubelet builds it: the image's ENV, then envFrom, then env
// in order, with `$(NAME)` expanded from what came before (`$$(NAME)` stays literal). A value
// from a missing ConfigMap, Secret or key stops the container from starting
// (CreateContainerConfigError), unless the reference is optional.
import { dataOf } from './manifests.js';
import type { Container, K8sObject } from './types.js';

export class EnvError extends Error {
  override name = 'EnvError';
}

export interface PodFields {
  'metadata.name': string;
  'metadata.namespace': string;
  'spec.nodeName': string;
  'status.podIP': string;
  'status.hostIP': string;
  labels: Record<string, string>;
}

/** Kubernetes' dependent-variable syntax: $(NAME) expands, $$(NAME) is a literal $(NAME). */
export function expand(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name) => {
    if (whole === '$$') return '$';
    return name in vars ? (vars[name] as string) : whole;
  });
}

export function containerEnv(
  container: Container,
  imageEnv: Record<string, string>,
  objects: K8sObject[],
  fields: PodFields,
): Record<string, string> {
  const namespace = fields['metadata.namespace'];
  // As the kubelet adds its KUBERNETES_SERVICE_* variables, podrun adds one of its own, first,
  // so the manifest can override it: an app may say which runtime it is on (web's /_pod does).
  const env: Record<string, string> = { POD_RUNTIME: 'podrun', ...imageEnv };
  const lookup = (kind: 'ConfigMap' | 'Secret', name: string, optional = false) => {
    const data = dataOf(objects, kind, name, namespace);
    if (!data && !optional) throw new EnvError(`${kind} ${namespace}/${name} is not in the manifests`);
    return data;
  };

  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    if (!ref) continue;
    const data = lookup(source.configMapRef ? 'ConfigMap' : 'Secret', ref.name, ref.optional);
    for (const [key, value] of Object.entries(data ?? {})) {
      // The kubelet skips keys that are not valid variable names, and so does podrun.
      if (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(`${source.prefix ?? ''}${key}`))
        env[`${source.prefix ?? ''}${key}`] = value.toString('utf8');
    }
  }

  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (!from) {
      env[variable.name] = expand(variable.value ?? '', env);
      continue;
    }
    const keyRef = from.configMapKeyRef ?? from.secretKeyRef;
    if (keyRef) {
      const kind = from.configMapKeyRef ? 'ConfigMap' : 'Secret';
      const value = lookup(kind, keyRef.name, keyRef.optional)?.[keyRef.key];
      if (value !== undefined) env[variable.name] = value.toString('utf8');
      else if (!keyRef.optional)
        throw new EnvError(`${variable.name}: ${kind} ${keyRef.name} has no key ${keyRef.key}`);
    } else if (from.fieldRef) {
      env[variable.name] = fieldValue(from.fieldRef.fieldPath, fields, variable.name);
    } else {
      throw new EnvError(`${variable.name}: podrun supports valueFrom configMapKeyRef, secretKeyRef and fieldRef`);
    }
  }
  return env;
}

function fieldValue(path: string, fields: PodFields, variable: string): string {
  const label = /^metadata\.labels\['([^']+)'\]$/.exec(path);
  if (label) return fields.labels[label[1] as string] ?? '';
  if (path in fields && path !== 'labels') return fields[path as Exclude<keyof PodFields, 'labels'>];
  throw new EnvError(`${variable}: fieldRef ${path} is not one podrun knows`);
}
