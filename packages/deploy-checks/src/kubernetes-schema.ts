// Each rendered object against the Kubernetes OpenAPI schema of its kind (kubernetes-models).
// Structural only: any string passes as a restartPolicy, which is why the other checks exist.
import type { K8sObject } from './render.js';

/** What is wrong with `object` by its kind's schema, or undefined when it is valid. */
export async function schemaProblem(object: K8sObject): Promise<string | undefined> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const module = group
    ? `kubernetes-models/${group}/${version}/${object.kind}`
    : `kubernetes-models/${version}/${object.kind}`;
  let Model: new (data: unknown) => { validate(): void };
  try {
    Model = (await import(module))[object.kind];
  } catch {
    return `${object.apiVersion} ${object.kind} is not a built-in Kubernetes kind`;
  }
  try {
    new Model(object).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
