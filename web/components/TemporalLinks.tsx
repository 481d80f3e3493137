import { entityWorkflowsUrl, workflowUrl } from '../lib/temporalLinks';

/** "workflow" opens the thing's own workflow; with an entity, "all" opens every workflow of that entity. */
export function TemporalLinks({
  workflowId,
  entityId,
  label,
}: {
  workflowId: string;
  entityId?: string;
  label: string;
}) {
  return (
    <span>
      <a
        href={workflowUrl(workflowId)}
        target="_blank"
        rel="noreferrer"
        aria-label={`workflow of ${label} in Temporal`}
      >
        workflow
      </a>
      {entityId ? (
        <>
          {' · '}
          <a
            href={entityWorkflowsUrl(entityId)}
            target="_blank"
            rel="noreferrer"
            aria-label={`all workflows of entity ${label} in Temporal`}
          >
            all workflows
          </a>
        </>
      ) : null}
    </span>
  );
}
