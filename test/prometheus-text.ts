// A strict reader of the Prometheus text exposition format 0.0.4 (prometheus.io/docs/
// instrumenting/exposition_formats: "Text format details"), for tests of /metrics: every line
// must be a HELP, a TYPE, a comment, empty or a valid sample; a sample must belong to a family whose
// TYPE came first; histogram buckets must carry `le`, be cumulative and end in +Inf equal to
// _count. Throws with the line number on the first violation.
const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL_NAME = "[a-zA-Z_][a-zA-Z0-9_]*";
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"'; // escapes: \\ \" \n
// Values are what Go's strconv.ParseFloat takes (the format's definition): decimals, and
// Inf/Infinity/NaN in any case (prom-client writes an empty event-loop-lag mean as "Nan").
const FLOAT = "[-+]?(?:(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN])";
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL_NAME}=${LABEL_VALUE}(?:,${LABEL_NAME}=${LABEL_VALUE})*)?,?)\\})? (${FLOAT})(?: -?[0-9]+)?$`);
const LABEL = new RegExp(`(${LABEL_NAME})=(${LABEL_VALUE})`, "g");
const HELP = new RegExp(`^# HELP (${NAME}) (?:[^\\\\]|\\\\[\\\\n])*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
  /** The value of the one sample with this name whose labels include `labels` (0 if absent:
   *  prom-client omits labelled counters until first incremented). */
  value(name: string, labels?: Record<string, string>): number;
}

const SUFFIXES: Record<string, string[]> = { histogram: ["_bucket", "_sum", "_count"], summary: ["", "_sum", "_count"] };

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name) && !SUFFIXES[types.get(name)!]) return name;
  for (const [family, type] of types) {
    if ((SUFFIXES[type] ?? []).some((s) => name === family + s)) return family;
  }
  return undefined;
}

function parseFloatValue(text: string): number {
  if (/nan$/i.test(text)) return NaN;
  if (/inf(inity)?$/i.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  return Number(text);
}

const unescape = (quoted: string) => quoted.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));

export function parseExposition(text: string): Exposition {
  if (!text.endsWith("\n")) throw new Error("exposition must end with a line feed");
  const types = new Map<string, string>();
  const helped = new Set<string>();
  const samples: Sample[] = [];
  const lines = text.slice(0, -1).split("\n");
  lines.forEach((line, i) => {
    const where = `line ${i + 1} ${JSON.stringify(line)}`;
    if (line.startsWith("# HELP ")) {
      const m = HELP.exec(line);
      if (!m) throw new Error(`${where}: malformed HELP`);
      if (helped.has(m[1])) throw new Error(`${where}: second HELP for ${m[1]}`);
      helped.add(m[1]);
    } else if (line.startsWith("# TYPE ")) {
      const m = TYPE.exec(line);
      if (!m) throw new Error(`${where}: malformed TYPE`);
      if (types.has(m[1])) throw new Error(`${where}: second TYPE for ${m[1]}`);
      if (samples.some((s) => familyOf(s.name, new Map([[m[1], m[2]]])) === m[1])) throw new Error(`${where}: TYPE after samples of ${m[1]}`);
      types.set(m[1], m[2]);
    } else if (line.startsWith("#") || line === "") {
      // Other comments and empty lines are ignored by the format.
    } else {
      const m = SAMPLE.exec(line);
      if (!m) throw new Error(`${where}: not a valid sample`);
      const labels: Record<string, string> = {};
      for (const [, k, v] of (m[2] ?? "").matchAll(LABEL)) {
        if (k in labels) throw new Error(`${where}: label ${k} twice`);
        labels[k] = unescape(v);
      }
      const family = familyOf(m[1], types);
      if (!family) throw new Error(`${where}: sample of ${m[1]} before (or without) its TYPE line`);
      if (m[1].endsWith("_bucket") && types.get(family) === "histogram" && labels.le === undefined) throw new Error(`${where}: histogram bucket without le`);
      samples.push({ name: m[1], labels, value: parseFloatValue(m[3]) });
    }
  });
  checkHistograms(types, samples);
  const value = (name: string, want: Record<string, string> = {}) => {
    const found = samples.filter((s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v));
    if (found.length > 1) throw new Error(`${name}${JSON.stringify(want)} matches ${found.length} samples`);
    return found[0]?.value ?? 0;
  };
  return { types, samples, value };
}

/** Buckets cumulative per label set, the last one le="+Inf" and equal to _count. */
function checkHistograms(types: Map<string, string>, samples: Sample[]): void {
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const series = new Map<string, Sample[]>();
    for (const s of samples.filter((x) => x.name === `${family}_bucket`)) {
      const { le: _le, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), s]);
    }
    for (const [key, buckets] of series) {
      const les = buckets.map((b) => Number(b.labels.le.replace("+Inf", "Infinity")));
      if (les.some((le, i) => i > 0 && le <= les[i - 1])) throw new Error(`${family}${key}: buckets not in increasing le order`);
      if (buckets.some((b, i) => i > 0 && b.value < buckets[i - 1].value)) throw new Error(`${family}${key}: bucket counts not cumulative`);
      if (les[les.length - 1] !== Infinity) throw new Error(`${family}${key}: no le="+Inf" bucket`);
      const count = samples.find((s) => s.name === `${family}_count` && JSON.stringify(s.labels) === key);
      if (count?.value !== buckets[buckets.length - 1].value) throw new Error(`${family}${key}: _count differs from the +Inf bucket`);
    }
  }
}
