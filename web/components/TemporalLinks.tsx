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
      <a href={workflowUrl(workflowId)} target="_blank" rel="noreferrer" aria-label={`Temporal workflow of ${label}`}>
        workflow
      </a>
      {entityId ? (
        <>
          {' · '}
          <a
            href={entityWorkflowsUrl(entityId)}
            target="_blank"
            rel="noreferrer"
            aria-label={`All Temporal workflows of entity ${label}`}
          >
            all workflows
          </a>
        </>
      ) : null}
    </span>
  );
}
