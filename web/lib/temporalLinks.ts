// Links into the Temporal Web UI: the workflow of one thing (its fixed id, temporal/workflowIds.ts) and every
// workflow of an entity (the EntityId search attribute).
import { config } from './config';

const ns = () => `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.temporalNamespace)}`;

export const workflowIds = {
  billing: (entityId: string) => `billing:${entityId}`,
  subscription: (id: string) => `subscription:${id}`,
  invoice: (id: string) => `invoice:${id}`,
  grant: (id: string) => `credit-grant:${id}`,
  delivery: (id: string) => `webhook:${id}`,
};

/** The workflow's page (its latest run). */
export const workflowUrl = (workflowId: string) => `${ns()}/workflows/${encodeURIComponent(workflowId)}`;

/** Every workflow of the entity, newest first. */
export const entityWorkflowsUrl = (entityId: string) =>
  `${ns()}/workflows?query=${encodeURIComponent(`EntityId="${entityId}"`)}`;
