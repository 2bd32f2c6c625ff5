// Reads a synthesized CloudWatch dashboard: every metric its widgets graph (namespace, name, dimensions,
// statistic) and every SEARCH expression, with CloudFormation references kept as the objects they are.
import type { Template } from 'aws-cdk-lib/assertions';

/** A metric a widget graphs. */
export interface DashboardMetric {
  readonly namespace: string;
  readonly name: string;
  /** Dimension name -> value: a string, or the CloudFormation reference (Ref, Fn::GetAtt, Fn::ImportValue ...). */
  readonly dimensions: Readonly<Record<string, unknown>>;
  readonly statistic: string;
  readonly widget: string;
}

/** A SEARCH expression of a widget, parsed. */
export interface DashboardSearch {
  readonly namespace: string;
  readonly dimensions: readonly string[];
  readonly metricName: string;
  readonly statistic: string;
  /** The ModelId="..." terms it names. */
  readonly modelIds: readonly unknown[];
  readonly widget: string;
}

export interface ParsedDashboard {
  readonly metrics: DashboardMetric[];
  readonly searches: DashboardSearch[];
  /** Every widget's title, text widgets as their markdown. */
  readonly titles: string[];
}

const MARK = /@@(\d+)@@/;

/** The one dashboard of a template, parsed. */
export function dashboardOf(template: Template): ParsedDashboard {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  if (dashboards.length !== 1) throw new Error(`expected one dashboard, found ${dashboards.length}`);
  const body = (dashboards[0].Properties as { DashboardBody: unknown }).DashboardBody;
  const tokens: unknown[] = [];
  const text = typeof body === 'string' ? body
    : (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : `@@${tokens.push(part) - 1}@@`)).join('');
  const value = (s: unknown): unknown => {
    if (typeof s !== 'string') return s;
    const m = MARK.exec(s);
    return m && m[0] === s ? tokens[Number(m[1])] : s;
  };
  const parsed = JSON.parse(text) as { widgets: { type: string; properties: { title?: string; markdown?: string; metrics?: unknown[][]; stat?: string } }[] };
  const metrics: DashboardMetric[] = [];
  const searches: DashboardSearch[] = [];
  const titles: string[] = [];
  for (const w of parsed.widgets) {
    const title = w.properties.title ?? w.properties.markdown ?? '';
    titles.push(title);
    for (const row of w.properties.metrics ?? []) {
      const options = (typeof row[row.length - 1] === 'object' ? row[row.length - 1] : {}) as { expression?: string; stat?: string };
      if (options.expression !== undefined) {
        const search = /SEARCH\('\{([^,}]+),([^}]+)\} MetricName="([^"]+)"(.*?)', '([^']+)', \d+\)/.exec(options.expression);
        if (search) {
          searches.push({
            namespace: search[1], dimensions: search[2].split(','), metricName: search[3], statistic: search[5],
            modelIds: [...search[4].matchAll(/ModelId="([^"]+)"/g)].map((m) => value(m[1])), widget: title,
          });
        } else if (/SEARCH/.test(options.expression)) {
          throw new Error(`unparsed SEARCH in "${title}": ${options.expression}`);
        }
        continue;
      }
      const [namespace, name, ...rest] = typeof row[row.length - 1] === 'object' ? row.slice(0, -1) : row;
      const dimensions: Record<string, unknown> = {};
      for (let i = 0; i + 1 < rest.length; i += 2) dimensions[rest[i] as string] = value(rest[i + 1]);
      metrics.push({ namespace: namespace as string, name: name as string, dimensions, statistic: options.stat ?? w.properties.stat ?? 'Average', widget: title });
    }
  }
  return { metrics, searches, titles };
}
