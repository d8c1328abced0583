// Renders a kustomization with the real kubectl (kustomize built in), offline.
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [k: string]: unknown };
  [k: string]: unknown;
};

/** Why kubectl cannot be used here, or undefined when it can. */
export function kubectlMissing(): string | undefined {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'kubectl is not installed (it renders k8s/ offline: `kubectl kustomize`)';
  }
}

export function kustomize(dir: string): string {
  return execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Every object of a multi-document YAML stream; a YAML error is thrown, not skipped. */
export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw doc.errors[0];
    const value = doc.toJS();
    return value ? [value as K8sObject] : [];
  });
}
