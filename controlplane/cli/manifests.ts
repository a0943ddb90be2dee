// `attache manifests`: prints what `helm template <release> charts/attache --namespace <ns>
// --include-crds` prints, for people who apply plain YAML (`| kubectl apply -f -`). The
// chart's templates are executed by controlplane/manifests' Go-template interpreter, so
// there is no second copy of the objects to keep in step with the chart.
import { parseArgs } from "node:util";
import { ChartError, defaultChartDir, formatDocuments, renderChart } from "../manifests/render-chart.ts";
import { TemplateExecError } from "../manifests/template-exec.ts";
import { TemplateSyntaxError } from "../manifests/template-lex.ts";
import { parseSet, readValuesFile, ValuesError, type Values } from "../manifests/values.ts";
import type { CommandIo } from "./commands.ts";

const USAGE = "usage: attache manifests [--namespace ns] [--release name] [--values file.yaml ...] [--set key=value ...] [--set-string key=value ...] [--chart dir]";

export async function run(args: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      // parseArgs keeps repeated options in order of appearance through `tokens`.
      tokens: true,
      options: {
        namespace: { type: "string", short: "n", default: "attache-system" },
        release: { type: "string", default: "attache" },
        values: { type: "string", short: "f", multiple: true },
        set: { type: "string", multiple: true },
        "set-string": { type: "string", multiple: true },
        chart: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    io.err(`attache manifests: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  try {
    // Helm applies every --values file first, then --set, then --set-string, each in order.
    const options = parsed.tokens.filter((t) => t.kind === "option" && t.value !== undefined) as { name: string; value: string }[];
    const layers: { source: string; values: Values }[] = [];
    for (const { name, value } of options.filter((o) => o.name === "values")) layers.push({ source: `--values ${value}`, values: readValuesFile(value) });
    for (const { name, value } of options.filter((o) => o.name === "set" || o.name === "set-string")) {
      layers.push({ source: `--${name} ${value}`, values: parseSet(value, name === "set-string") });
    }
    const chartDir = parsed.values.chart ?? defaultChartDir();
    const docs = renderChart({ chartDir, release: parsed.values.release!, namespace: parsed.values.namespace!, overrides: layers });
    io.out(formatDocuments(docs));
    return 0;
  } catch (error) {
    if (error instanceof ValuesError || error instanceof ChartError || error instanceof TemplateExecError || error instanceof TemplateSyntaxError) {
      io.err(`attache manifests: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
