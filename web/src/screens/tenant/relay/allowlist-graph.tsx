/**
 * The allowlist as a directed graph (@xyflow/react): one box per agent and role, one arrow per
 * rule. Drag from a box's handle (the dot on its right) onto another box to allow messages that
 * way; select an arrow and press Delete (or Backspace) to remove it. Read-only for people without
 * teams:write. The lists beside the graph do everything from the keyboard: the graph alone is
 * not accessible.
 */
import "@xyflow/react/dist/style.css";
import {
  applyNodeChanges,
  BaseEdge,
  Background,
  ConnectionMode,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  useConnection,
  useInternalNode,
  type Connection,
  type EdgeChange,
  type EdgeProps,
  type Edge as FlowEdge,
  type InternalNode,
  type Node,
  type NodeChange,
  type NodeProps,
} from "@xyflow/react";
import { Bot, UsersRound } from "lucide-react";
import { useEffect, useMemo, useState } from "react";
import type { Edge } from "@shared/relay/allowlist";
import { cn } from "@/lib/cn";
import { edgeKey, edgeProblem, parseSubjectKey, type Rules } from "@/lib/relay/allowlist-draft";
import type { SubjectOption } from "@/lib/relay/subjects";

type SubjectNode = Node<{ option: SubjectOption; editable: boolean }, "subject">;
type RuleEdge = FlowEdge<Record<string, never>, "rule">;

const NODE_WIDTH = 184;
const EDGE_COLOR = "#4f46e5"; // indigo-600
const SELECTED_COLOR = "#dc2626"; // red-600: selected arrows are the ones Delete removes

/** Agents and roles around a circle (agents first): any pair can have an arrow without crossing a box. */
function circleLayout(options: SubjectOption[]): Record<string, { x: number; y: number }> {
  const n = options.length;
  const radius = Math.max(130, n * 30);
  return Object.fromEntries(
    options.map((o, i) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(n, 1);
      return [o.key, { x: Math.round(radius * Math.cos(angle) * 1.25 - NODE_WIDTH / 2), y: Math.round(radius * Math.sin(angle)) }];
    }),
  );
}

export function AllowlistGraph({
  subjects,
  rules,
  editable,
  onAddEdge,
  onRemoveEdges,
  selected,
  onSelectedChange,
}: {
  subjects: SubjectOption[];
  rules: Rules;
  editable: boolean;
  onAddEdge: (edge: Edge) => void;
  onRemoveEdges: (keys: string[]) => void;
  selected: Set<string>;
  onSelectedChange: (keys: Set<string>) => void;
}) {
  const [nodes, setNodes] = useState<SubjectNode[]>([]);
  const labels = useMemo(() => new Map(subjects.map((o) => [o.key, o.label])), [subjects]);
  // Node positions are the person's own arrangement (not saved); new subjects get a circle slot.
  useEffect(() => {
    setNodes((current) => {
      const layout = circleLayout(subjects);
      const kept = new Map(current.map((n) => [n.id, n.position]));
      return subjects.map((option) => ({
        id: option.key,
        type: "subject",
        position: kept.get(option.key) ?? layout[option.key]!,
        data: { option, editable },
        deletable: false,
        ariaLabel: `${option.label} (${option.detail})`,
      }));
    });
  }, [subjects, editable]);

  const edges = useMemo<RuleEdge[]>(
    () =>
      rules.edges.map((e) => {
        const id = edgeKey(e);
        const isSelected = selected.has(id);
        return {
          id,
          type: "rule",
          source: `${e.from.kind}:${e.from.id}`,
          target: `${e.to.kind}:${e.to.id}`,
          selected: isSelected,
          deletable: editable,
          ariaLabel: `Rule: ${labels.get(`${e.from.kind}:${e.from.id}`) ?? e.from.id} may message ${labels.get(`${e.to.kind}:${e.to.id}`) ?? e.to.id}`,
          markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18, color: isSelected ? SELECTED_COLOR : EDGE_COLOR },
        };
      }),
    [rules.edges, selected, editable, labels],
  );

  const onNodesChange = (changes: NodeChange<SubjectNode>[]) =>
    setNodes((ns) =>
      applyNodeChanges(
        changes.filter((c) => c.type !== "remove"),
        ns,
      ),
    );
  const onEdgesChange = (changes: EdgeChange<RuleEdge>[]) => {
    const removed = changes.flatMap((c) => (c.type === "remove" ? [c.id] : []));
    if (removed.length > 0 && editable) onRemoveEdges(removed);
    const selects = changes.filter((c) => c.type === "select");
    if (selects.length > 0) {
      const next = new Set(selected);
      for (const c of selects)
        if (c.selected) next.add(c.id);
        else next.delete(c.id);
      onSelectedChange(next);
    }
  };
  const toEdge = (c: Connection | FlowEdge): Edge | null => {
    const from = parseSubjectKey(c.source);
    const to = parseSubjectKey(c.target);
    return from && to ? { from, to } : null;
  };

  return (
    <>
      {/* Beside the canvas, not on it: an overlay would cover a box. */}
      {rules.edges.length === 0 && (
        <p className="mb-2 rounded-md bg-sky-50 px-3 py-2 text-sm text-sky-900 ring-1 ring-sky-600/20 ring-inset">
          No arrows yet, so no agent may message another.{editable && " Drag from a box's blue dot onto another box to allow it."}
        </p>
      )}
      <div className="h-[30rem] w-full rounded-md bg-zinc-50 ring-1 ring-zinc-200">
        <ReactFlow<SubjectNode, RuleEdge>
          nodes={nodes}
          edges={edges}
          nodeTypes={NODE_TYPES}
          edgeTypes={EDGE_TYPES}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={(c) => {
            const edge = toEdge(c);
            if (edge) onAddEdge(edge);
          }}
          isValidConnection={(c) => {
            const edge = toEdge(c);
            return edge !== null && edgeProblem(rules, edge) === null;
          }}
          connectionMode={ConnectionMode.Strict}
          nodesConnectable={editable}
          edgesFocusable={editable}
          elementsSelectable={editable}
          deleteKeyCode={editable ? ["Delete", "Backspace"] : null}
          fitView
          fitViewOptions={{ padding: 0.12, maxZoom: 1 }}
          minZoom={0.3}
          maxZoom={2}
          ariaLabelConfig={{
            "node.a11yDescription.default": editable
              ? "Press Enter or Space to select a box; arrow keys move it. Use the rule lists beside the graph to add or remove rules from the keyboard."
              : "Read-only graph of who may message whom.",
            "edge.a11yDescription.default": "Press Enter or Space to select this arrow, then Delete to remove the rule.",
          }}
        >
          <Background gap={24} color="#d4d4d8" />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
    </>
  );
}

function SubjectBox({ id, data: { option, editable } }: NodeProps<SubjectNode>) {
  const connection = useConnection();
  const isRole = option.subject.kind === "role";
  const Icon = isRole ? UsersRound : Bot;
  // While an arrow is being drawn, the whole box is a drop target (not just a handle).
  const dropTarget = connection.inProgress && connection.fromNode.id !== id;
  return (
    <div
      style={{ width: NODE_WIDTH }}
      className={cn(
        "relative rounded-lg bg-white px-3 py-2 text-left shadow-xs ring-1",
        isRole ? "border-2 border-dashed border-amber-500 ring-transparent" : "ring-zinc-300",
        !option.inTeam && "bg-zinc-100",
        dropTarget && "ring-2 ring-indigo-500",
      )}
      title={editable ? "Drag from the dot on the right onto another box to allow messages that way." : undefined}
    >
      <div className="flex items-center gap-2">
        <Icon className={cn("size-4 shrink-0", isRole ? "text-amber-700" : "text-indigo-700")} aria-hidden="true" />
        <span className="text-sm leading-tight font-semibold text-zinc-900">{option.label}</span>
      </div>
      <p className="mt-0.5 text-xs leading-tight text-zinc-600">{option.detail}</p>
      {/* Always present (edges need a target handle); covers the box only while connecting. */}
      <Handle
        type="target"
        position={Position.Left}
        id="in"
        isConnectableStart={false}
        className={cn(
          "!border-0 !bg-transparent",
          dropTarget ? "!pointer-events-auto !absolute !inset-0 !size-full !transform-none !rounded-lg" : "!pointer-events-none !opacity-0",
        )}
      />
      {/* Always present too (an edge is drawn from its source handle); hidden when read-only. */}
      <Handle
        type="source"
        position={Position.Right}
        id="out"
        isConnectable={editable}
        title={editable ? `Drag from here onto another box: ${option.label} may then message it` : undefined}
        className={editable ? "!size-3.5 !border-2 !border-white !bg-indigo-600 hover:!bg-indigo-800" : "!pointer-events-none !opacity-0"}
      />
    </div>
  );
}

function centerOf(node: InternalNode) {
  const w = node.measured.width ?? NODE_WIDTH;
  const h = node.measured.height ?? 48;
  return { x: node.internals.positionAbsolute.x + w / 2, y: node.internals.positionAbsolute.y + h / 2, w: w / 2, h: h / 2 };
}

/** Where the line from the box's centre towards `p` leaves the box. */
function boundaryPoint(node: InternalNode, p: { x: number; y: number }) {
  const c = centerOf(node);
  const dx = p.x - c.x;
  const dy = p.y - c.y;
  if (dx === 0 && dy === 0) return { x: c.x, y: c.y };
  const scale = Math.min(dx === 0 ? Infinity : c.w / Math.abs(dx), dy === 0 ? Infinity : c.h / Math.abs(dy));
  return { x: c.x + dx * scale, y: c.y + dy * scale };
}

/**
 * An arrow between box borders, slightly curved so that A→B and B→A are two visible arrows;
 * a rule from a role to itself ("engineers may message each other") is a loop above the box.
 */
function RuleArrow({ id, source, target, markerEnd, selected }: EdgeProps<RuleEdge>) {
  const s = useInternalNode(source);
  const t = useInternalNode(target);
  if (!s || !t) return null;
  const style = { stroke: selected ? SELECTED_COLOR : EDGE_COLOR, strokeWidth: selected ? 3 : 2 };
  let path: string;
  if (source === target) {
    const c = centerOf(s);
    const top = c.y - c.h;
    path = `M ${c.x + 24} ${top} C ${c.x + 60} ${top - 70}, ${c.x - 60} ${top - 70}, ${c.x - 24} ${top}`;
  } else {
    const a = centerOf(s);
    const b = centerOf(t);
    const mx = (a.x + b.x) / 2;
    const my = (a.y + b.y) / 2;
    const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    // Bend to the right of the direction of travel: the reverse arrow bends the other way.
    const bend = Math.min(40, len / 5);
    const ctrl = { x: mx - ((b.y - a.y) / len) * bend, y: my + ((b.x - a.x) / len) * bend };
    const from = boundaryPoint(s, ctrl);
    const to = boundaryPoint(t, ctrl);
    path = `M ${from.x} ${from.y} Q ${ctrl.x} ${ctrl.y} ${to.x} ${to.y}`;
  }
  return <BaseEdge id={id} path={path} markerEnd={markerEnd} style={style} interactionWidth={16} />;
}

const NODE_TYPES = { subject: SubjectBox };
const EDGE_TYPES = { rule: RuleArrow };
