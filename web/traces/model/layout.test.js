import { test } from "node:test";
import assert from "node:assert/strict";
import { layout, edgePath, bezier, placeLabels, overlaps } from "./layout.js";
import { buildGraph } from "./graph.js";
import { page } from "./testdata.js";

const laid = (stage) => {
  const graph = buildGraph(page(stage + "/graph.json"));
  return { graph, lay: layout(graph) };
};
const at = ({ graph, lay }, name, type) => lay.pos.get(graph.nodes.find((n) => n.name === name && n.type === type));

for (const stage of ["stage1", "stage3"]) {
  test(stage + ": every edge goes right, nodes in a column keep a row apart, the drawing holds them all", () => {
    const { graph, lay } = laid(stage);
    assert.equal(lay.pos.size, graph.nodes.length);
    for (const e of graph.edges) {
      assert.ok(lay.pos.get(e.to).column > lay.pos.get(e.from).column, e.key + " does not go right");
    }
    const byColumn = new Map();
    for (const p of lay.pos.values()) byColumn.set(p.column, [...(byColumn.get(p.column) || []), p]);
    assert.equal(byColumn.size, lay.columns, "no empty column");
    for (const [column, ps] of byColumn) {
      const ys = ps.map((p) => p.y).sort((a, b) => a - b);
      for (let i = 1; i < ys.length; i++) assert.ok(ys[i] - ys[i - 1] >= lay.rowHeight - 1e-9, "column " + column + " crowds its nodes");
      for (const p of ps) assert.equal(p.x, lay.margin + column * lay.columnWidth);
    }
    const ys = [...lay.pos.values()].map((p) => p.y);
    assert.equal(Math.min(...ys), lay.top, "the top node sits at the top margin");
    assert.ok(Math.max(...ys) < lay.height && Math.max(...[...lay.pos.values()].map((p) => p.x)) < lay.width);
  });
}

test("stage 1 closes the empty API Gateway column: the Lambda service is next to its client", () => {
  const l = laid("stage1");
  assert.equal(l.lay.columns, 3);
  assert.equal(at(l, "mysfits-questions-post", "AWS::Lambda").column, 1);
  assert.equal(at(l, "mysfits-questions-post", "AWS::Lambda::Function").column, 2);
});

test("stage 3: the API's chain is one row, the stream-triggered chain below it", () => {
  const l = laid("stage3");
  assert.equal(l.lay.columns, 5);
  const chain = [["mysfits-questions/prod", "AWS::ApiGateway::Stage"], ["mysfits-questions-post", "AWS::Lambda"],
    ["mysfits-questions-post", "AWS::Lambda::Function"], ["DynamoDB", "AWS::DynamoDB::Table"]].map(([n, t]) => at(l, n, t));
  assert.deepEqual(chain.map((p) => p.column), [1, 2, 3, 4]);
  for (const p of chain) assert.equal(p.y, chain[0].y, "the API's chain is level");
  const process = at(l, "mysfits-questions-process", "AWS::Lambda::Function");
  assert.ok(process.y > chain[0].y, "the busier API chain is on top");
  assert.equal(at(l, "SNS", "AWS::SNS").y, process.y);
});

test("a cycle of unknown types is laid out without looping", () => {
  const graph = buildGraph({ Services: [
    { ReferenceId: 1, Name: "a", Type: "x", Edges: [{ ReferenceId: 2 }] },
    { ReferenceId: 2, Name: "b", Type: "y", Edges: [{ ReferenceId: 1 }] },
  ] });
  const lay = layout(graph);
  assert.equal(lay.pos.size, 2);
});

test("edge curves leave a ring and reach the next one, or loop under a backward edge", () => {
  const { pts, d } = edgePath({ x: 112, y: 56 }, { x: 312, y: 56 }, 30);
  assert.deepEqual(pts[0], [151, 56]);
  assert.deepEqual(pts[3], [271, 56]);
  assert.equal(d, "M151,56 C211,56 211,56 271,56");
  const back = edgePath({ x: 312, y: 56 }, { x: 312, y: 188 }, 30).pts;
  assert.ok(back[1][1] > 188 && back[2][1] > 188, "the loop runs below both nodes");
  assert.deepEqual(bezier(pts, 0), { x: 151, y: 56 });
  assert.deepEqual(bezier(pts, 1), { x: 271, y: 56 });
});

test("edge labels avoid the nodes and each other while there is room", () => {
  const { graph, lay } = laid("stage3");
  const obstacles = [...lay.pos.values()].map((p) => ({ x: p.x - 40, y: p.y - 40, w: 80, h: 80 }));
  const labels = graph.edges.map((e) => ({ pts: edgePath(lay.pos.get(e.from), lay.pos.get(e.to), 30).pts, width: 70 }));
  const spots = placeLabels(labels, obstacles);
  assert.equal(spots.length, labels.length);
  spots.forEach((s, i) => {
    for (const o of obstacles) assert.ok(!overlaps(s.box, o), "label " + graph.edges[i].key + " hides a node");
    spots.forEach((t, j) => assert.ok(i === j || !overlaps(s.box, t.box), "labels " + i + " and " + j + " overlap"));
  });
});

test("a label with no free spot goes to the middle of its curve", () => {
  const pts = [[0, 0], [10, 0], [20, 0], [30, 0]];
  const [spot] = placeLabels([{ pts, width: 10 }], [{ x: -100, y: -100, w: 300, h: 300 }]);
  assert.equal(spot.x, 15);
  assert.equal(spot.y, -6);
});

test("two callees level with one caller are put a row apart, centred on it", () => {
  const graph = buildGraph({ Services: [
    { ReferenceId: 1, Name: "fn", Type: "AWS::Lambda::Function", SummaryStatistics: { TotalCount: 2 }, Edges: [{ ReferenceId: 2 }, { ReferenceId: 3 }] },
    { ReferenceId: 2, Name: "table", Type: "AWS::DynamoDB::Table", Edges: [] },
    { ReferenceId: 3, Name: "topic", Type: "AWS::SNS", Edges: [] },
  ] });
  const lay = layout(graph);
  const [fn, table, topic] = graph.nodes.map((n) => lay.pos.get(n));
  assert.equal(Math.abs(table.y - topic.y), lay.rowHeight);
  assert.equal((table.y + topic.y) / 2, fn.y);
});

test("unknown types take the column after their caller's", () => {
  const graph = buildGraph({ Services: [
    { ReferenceId: 1, Name: "client", Type: "client", Edges: [{ ReferenceId: 2 }] },
    { ReferenceId: 2, Name: "stream", Type: "AWS::Kinesis::Stream", Edges: [{ ReferenceId: 3 }] },
    { ReferenceId: 3, Name: "worker", Type: "AWS::ECS::Task", Edges: [] },
  ] });
  const lay = layout(graph);
  assert.deepEqual(graph.nodes.map((n) => lay.pos.get(n).column), [0, 1, 2]);
});
