// The Go-template interpreter against a table of templates with their expected output. The
// same table is rendered by test/helm-render (Go text/template + Sprig, Helm's engine; the
// `go-sprig` tool) and must give the same text, so "expected" is Go's behaviour, not ours.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeWithTools } from "../../test/tools.ts";
import { goHelmRender, renderWithGo } from "./go-helm-render.ts";
import { TemplateSet } from "./template-exec.ts";
import { helmFunctions } from "./template-funcs.ts";

const values = {
  name: "web", port: 8080, on: true, off: false, empty: "", zero: 0,
  list: ["a", "b", "c"], map: { b: 2, a: 1 }, nested: { inner: { leaf: "x<y&z" } }, none: [], blank: {},
};

const HELPERS = `{{- define "t.label" -}}app: {{ .name }}{{- end -}}
{{- define "t.pair" -}}{{ .k }}={{ .v }}{{- end -}}`;

const cases: { name: string; template: string; expected: string }[] = [
  { name: "trim markers eat whitespace and newlines on their side only", template: "a  \n  {{- .Values.name -}}  \n  b {{ .Values.port }} c", expected: "awebb 8080 c" },
  { name: "comments with trim markers vanish", template: "x\n{{- /* note */ -}}\ny{{/* kept spacing */}} z", expected: "xy z" },
  { name: "if / else if / else", template: "{{ if .Values.off }}1{{ else if .Values.zero }}2{{ else if .Values.on }}3{{ else }}4{{ end }}", expected: "3" },
  { name: "Go truth: empty string, 0, empty list and map are false", template: "{{ if .Values.empty }}s{{ end }}{{ if .Values.zero }}z{{ end }}{{ if .Values.none }}l{{ end }}{{ if .Values.blank }}m{{ end }}{{ if .Values.list }}L{{ end }}", expected: "L" },
  { name: "with rebinds dot and falls to else when empty", template: "{{ with .Values.nested.inner }}{{ .leaf }}{{ end }}|{{ with .Values.none }}x{{ else }}none{{ end }}", expected: "x<y&z|none" },
  { name: "range over a list with index and element, $ reaching the root", template: "{{ range $i, $v := .Values.list }}{{ $i }}{{ $v }}{{ $.Values.port }} {{ end }}", expected: "0a8080 1b8080 2c8080 " },
  { name: "range over a map visits keys in sorted order", template: "{{ range $k, $v := .Values.map }}{{ $k }}{{ $v }}{{ end }}", expected: "a1b2" },
  { name: "range with else and break", template: "{{ range .Values.none }}x{{ else }}empty{{ end }} {{ range .Values.list }}{{ if eq . \"c\" }}{{ break }}{{ end }}{{ . }}{{ end }}", expected: "empty ab" },
  { name: "variables: declare, reassign inside a block, scope ends at end", template: "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ $y }}{{ end }}{{ $x }}", expected: "32" },
  { name: "pipelines pass the value as the last argument", template: "{{ .Values.name | upper | printf \"%s-%d\" | trunc 4 | quote }}", expected: "\"WEB-\"" },
  { name: "define / include with dict, nindent and indent", template: "root:{{- include \"t.label\" .Values | nindent 2 }}\n{{ include \"t.pair\" (dict \"k\" \"a\" \"v\" 1) | indent 4 }}", expected: "root:\n  app: web\n    a=1" },
  { name: "template action runs a define inline", template: "{{ template \"t.label\" .Values }}", expected: "app: web" },
  { name: "toYaml sorts keys; toJson escapes HTML characters like Go", template: "{{ toYaml .Values.map }}\n{{ .Values.nested | toJson }}", expected: "a: 1\nb: 2\n{\"inner\":{\"leaf\":\"x\\u003cy\\u0026z\"}}" },
  { name: "default, empty, required, ternary, coalesce", template: "{{ default \"d\" .Values.empty }} {{ default \"d\" .Values.name }} {{ empty .Values.none }} {{ required \"need\" .Values.name }} {{ ternary \"y\" \"n\" .Values.on }} {{ coalesce .Values.empty .Values.zero \"c\" }}", expected: "d web true web y c" },
  { name: "string functions", template: "{{ trimSuffix \"-\" \"abc-\" }} {{ trimPrefix \"a\" \"abc\" }} {{ contains \"eb\" .Values.name }} {{ hasPrefix \"w\" .Values.name }} {{ replace \"b\" \"B\" \"abab\" }} {{ trunc 63 \"short\" }} {{ join \",\" .Values.list }} {{ lower \"AB\" }}", expected: "abc bc true true aBaB short a,b,c ab" },
  { name: "numbers: add, sub, mul, div, max, min, comparisons", template: "{{ add .Values.port 5 }} {{ sub 10 3 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ max 1 9 3 }} {{ min 4 2 }} {{ lt 1 2 }} {{ ge .Values.port 9000 }}", expected: "8085 7 24 3 9 2 true false" },
  { name: "and / or return the deciding operand and stop early", template: "{{ and .Values.on .Values.name }} {{ or .Values.empty .Values.zero \"z\" }} {{ and .Values.off (required \"not evaluated\" .Values.missing) }} {{ not .Values.on }}", expected: "web z false false" },
  { name: "eq with several candidates, ne, len, index, hasKey", template: "{{ eq .Values.name \"api\" \"web\" }} {{ ne 1 2 }} {{ len .Values.list }} {{ index .Values.list 1 }} {{ index .Values.map \"b\" }} {{ hasKey .Values.map \"c\" }}", expected: "true true 3 b 2 false" },
  { name: "print adds spaces only between non-strings; printf verbs", template: "{{ print \"a\" 1 2 \"b\" }} {{ printf \"%s:%d %v %q %%\" \"x\" 7 true \"q\" }}", expected: "a1 2b x:7 true \"q\" %" },
  { name: "string literals: escapes and raw strings", template: "{{ \"tab\\there\\u00e9\" }} {{ `raw\\n` }}", expected: "tab\there\u00e9 raw\\n" },
  { name: "sha256sum and b64enc", template: "{{ sha256sum \"attache\" }} {{ b64enc \"attache\" }}", expected: "4b98a232f87cd15ef4664a0395207c2fd12667cf766f98ad994fcb3b1e73f06a YXR0YWNoZQ==" },
  { name: "parenthesised pipelines and a field of their result", template: "{{ (dict \"a\" (add 1 2)).a }} {{ list 1 \"x\" | len }}", expected: "3 2" },
];

function interpreter(): TemplateSet {
  const set = new TemplateSet(helmFunctions);
  set.add("t/templates/_helpers.tpl", HELPERS);
  return set;
}

describe("Go text/template interpreter", () => {
  it.each(cases)("$name", ({ template, expected }) => {
    const set = interpreter();
    set.add("t/templates/case.yaml", template);
    expect(set.execute("t/templates/case.yaml", { Values: values })).toBe(expected);
  });

  it("reports a missing function at parse time and a nil field at run time, with file and line", () => {
    const set = interpreter();
    expect(() => set.add("t/templates/bad.yaml", "a\n{{ lookupx .x }}")).toThrow('template: t/templates/bad.yaml:2: function "lookupx" not defined');
    set.add("t/templates/nil.yaml", "a\nb\n{{ .Values.nope.deeper }}");
    expect(() => set.execute("t/templates/nil.yaml", { Values: values })).toThrow(/t\/templates\/nil\.yaml:3: .*nil pointer evaluating \.Values\.nope\.deeper/);
  });

  it("reports unclosed blocks, stray ends and unterminated actions", () => {
    expect(() => interpreter().add("x", "{{ if .a }}never closed")).toThrow("template: x:1: unexpected EOF");
    expect(() => interpreter().add("x", "text {{ end }}")).toThrow("unexpected {{end}}");
    expect(() => interpreter().add("x", "{{ .a ")).toThrow("unclosed action");
  });

  it("fails with the message given to required", () => {
    const set = interpreter();
    set.add("t/templates/r.yaml", "{{ required \"name is required\" .Values.empty }}");
    expect(() => set.execute("t/templates/r.yaml", { Values: values })).toThrow("name is required");
  });

  it("prints a missing map key as <no value> (Helm blanks it afterwards)", () => {
    const set = interpreter();
    set.add("t/templates/m.yaml", "[{{ .Values.missing }}]");
    expect(set.execute("t/templates/m.yaml", { Values: values })).toBe("[<no value>]");
  });
});

describeWithTools(["go-sprig"], "Go text/template interpreter against Go", () => {
  it("gives the same text as Go text/template + Sprig for every case", () => {
    const chart = mkdtempSync(join(tmpdir(), "attache-tpl-"));
    mkdirSync(join(chart, "templates"));
    writeFileSync(join(chart, "Chart.yaml"), "name: t\nversion: 0.1.0\nappVersion: '1'\n");
    writeFileSync(join(chart, "values.yaml"), JSON.stringify(values));
    writeFileSync(join(chart, "templates", "_helpers.tpl"), HELPERS);
    cases.forEach((c, i) => writeFileSync(join(chart, "templates", `case-${String(i).padStart(2, "0")}.yaml`), c.template));
    const rendered = new Map(renderWithGo(goHelmRender(), chart, "r", "ns").map((d) => [d.source, d.text]));
    cases.forEach((c, i) => expect(rendered.get(`t/templates/case-${String(i).padStart(2, "0")}.yaml`), c.name).toBe(c.expected.trim()));
  }, 60_000);
});
