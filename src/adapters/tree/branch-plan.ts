/**
 * How a conversation's active branch moves, worked out from its message tree alone, so the
 * memory and MongoDB stores change the same messages for the same request.
 *
 * The active branch is one path from a root to the active leaf, marked message by message
 * (`active`). A child always has a higher seq than its parent, so along any path seq increases,
 * and the active messages above a point of the active path are exactly its ancestors.
 */

/** The part of a message the plan needs. */
export interface TreeNode {
  id: string;
  parentId: string | null;
  seq: number;
  active: boolean;
}

export interface BranchPlan {
  /** Messages that join the active branch (the new path's part that was off it). */
  activate: string[];
  /** Messages that leave it (the old path's part below where the two part). */
  deactivate: string[];
  /** Seq of the deepest message both paths share; 0 when they share none. */
  forkSeq: number;
}

/**
 * Makes the path from a root to `pathEnd` active, with nothing active below it (new messages
 * under `pathEnd` are added active by the caller). `pathEnd` null: an empty path (a new root).
 */
export function planActivePath(nodes: ReadonlyMap<string, TreeNode>, pathEnd: string | null): BranchPlan {
  const inactivePath: string[] = [];
  let fork: TreeNode | undefined;
  for (let id = pathEnd; id !== null; ) {
    const node = nodes.get(id);
    if (!node) throw new Error(`message ${id} is not in this conversation's tree`);
    if (node.active) {
      fork = node;
      break;
    }
    inactivePath.push(node.id);
    id = node.parentId;
  }
  const forkSeq = fork?.seq ?? 0;
  const deactivate = [...nodes.values()].filter((node) => node.active && (fork === undefined || node.seq > forkSeq)).map((node) => node.id);
  return { activate: inactivePath.reverse(), deactivate, forkSeq };
}

/** The newest message under `id` (the descendant with the highest seq, necessarily a leaf), or `id` itself. */
export function newestLeafUnder(nodes: ReadonlyMap<string, TreeNode>, id: string): string {
  const subtree = new Set([id]);
  let newest = nodes.get(id);
  if (!newest) throw new Error(`message ${id} is not in this conversation's tree`);
  // Parents come before their children in seq order, so one pass finds the whole subtree.
  for (const node of [...nodes.values()].sort((a, b) => a.seq - b.seq)) {
    if (node.parentId === null || !subtree.has(node.parentId)) continue;
    subtree.add(node.id);
    if (node.seq > newest.seq) newest = node;
  }
  return newest.id;
}

/** Whether a branch change that parts from the active path at `forkSeq` keeps the running summary valid. */
export function keepsSummary(summaryThroughSeq: number, forkSeq: number): boolean {
  return summaryThroughSeq <= forkSeq;
}
