// The shape of one entry of the problem catalog (api/problemCatalog.ts), and its constructor.

export interface ProblemKind {
  status: number;
  title: string;
  /** What happened, for the integrator reading the page. */
  meaning: string;
  /** What to do next. */
  action: string;
}

export const k = (status: number, title: string, meaning: string, action: string): ProblemKind => ({
  status,
  title,
  meaning,
  action,
});
