/**
 * The query protocol (form-encoded `Action=...`, XML answers), translated to and from the
 * shapes of the JSON protocol, so that one set of actions serves both. Requests flatten
 * lists and maps into numbered fields (`Attribute.1.Name`, `SendMessageBatchRequestEntry.2.Id`);
 * answers repeat an element per list member (`<QueueUrl>` per queue, `<Attribute>` with
 * `<Name>` and `<Value>` per map entry).
 */
import { SqsError } from './errors.js';

/** The XML namespace of SQS answers. */
const XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';

/** Fields whose values are numbers in the JSON shapes. */
const NUMBERS = new Set(['MaxNumberOfMessages', 'VisibilityTimeout', 'WaitTimeSeconds', 'DelaySeconds', 'MaxResults', 'MaxNumberOfMessagesPerSecond']);

/** Flattened names of the query protocol, and the JSON member each becomes. */
const LISTS: Record<string, string> = {
  AttributeName: 'AttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
  TagKey: 'TagKeys',
};
const MAPS: Record<string, { readonly to: string; readonly key: string; readonly value: string }> = {
  Attribute: { to: 'Attributes', key: 'Name', value: 'Value' },
  Tag: { to: 'Tags', key: 'Key', value: 'Value' },
  MessageAttribute: { to: 'MessageAttributes', key: 'Name', value: 'Value' },
  MessageSystemAttribute: { to: 'MessageSystemAttributes', key: 'Name', value: 'Value' },
};

type Tree = { [name: string]: Tree | string };

function insert(tree: Tree, path: string[], value: string): void {
  let node = tree;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next === 'string') return; // `A=1` and `A.1=2` together: the first wins
    node = next ?? (node[part] = {});
  }
  const last = path[path.length - 1] as string;
  if (node[last] === undefined) node[last] = value;
}

/** The members of a numbered node, in index order. */
function members(node: Tree | string): (Tree | string)[] {
  if (typeof node === 'string') return [];
  return Object.keys(node)
    .filter((k) => /^[1-9][0-9]{0,5}$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => node[k] as Tree | string);
}

function convert(node: Tree | string): unknown {
  if (typeof node === 'string') return node;
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(node)) {
    const list = LISTS[name];
    const map = MAPS[name];
    if (list !== undefined) {
      out[list] = members(child).map(convert);
    } else if (map !== undefined) {
      const entries: Record<string, unknown> = {};
      for (const m of members(child)) {
        if (typeof m === 'string') continue;
        const key = m[map.key];
        if (typeof key === 'string') entries[key] = convert(m[map.value] ?? '');
      }
      out[map.to] = entries;
    } else if (name.endsWith('RequestEntry')) {
      out.Entries = members(child).map(convert);
    } else if (typeof child === 'string' && NUMBERS.has(name) && /^-?[0-9]{1,15}$/.test(child)) {
      out[name] = Number(child);
    } else {
      out[name] = convert(child);
    }
  }
  return out;
}

/** A query-protocol request: its action and its input in the JSON protocol's shape. */
export function parseQueryRequest(form: Record<string, unknown>): { action: string; input: Record<string, unknown> } {
  const action = form.Action;
  if (typeof action !== 'string' || action === '') throw new SqsError('MissingParameter', 'The request must contain the parameter Action.');
  const tree: Tree = {};
  for (const [name, raw] of Object.entries(form)) {
    if (name === 'Action' || name === 'Version') continue;
    const value: unknown = Array.isArray(raw) ? (raw as unknown[])[0] : raw;
    if (typeof value === 'string') insert(tree, name.split('.'), value);
  }
  return { action, input: convert(tree) as Record<string, unknown> };
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** List members of answers and the element each member is written as (`undefined`: the action's result entry). */
const ANSWER_LISTS: Record<string, string | undefined> = {
  QueueUrls: 'QueueUrl',
  queueUrls: 'QueueUrl',
  Messages: 'Message',
  Failed: 'BatchResultErrorEntry',
  Successful: undefined,
  Results: 'ListMessageMoveTasksResultEntry',
};
const ANSWER_MAPS: Record<string, { readonly element: string; readonly key: string }> = {
  Attributes: { element: 'Attribute', key: 'Name' },
  Tags: { element: 'Tag', key: 'Key' },
  MessageAttributes: { element: 'MessageAttribute', key: 'Name' },
};

function xmlValue(name: string, value: unknown, action: string): string {
  if (value === undefined || value === null) return '';
  const list = name in ANSWER_LISTS ? (ANSWER_LISTS[name] ?? `${action}ResultEntry`) : null;
  if (list !== null && Array.isArray(value)) return value.map((v) => xmlValue(list, v, action)).join('');
  const map = ANSWER_MAPS[name];
  if (map !== undefined && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `<${map.element}><${map.key}>${escapeXml(k)}</${map.key}>${xmlValue('Value', v, action)}</${map.element}>`)
      .join('');
  }
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>).map(([k, v]) => xmlValue(k, v, action)).join('');
    return `<${name}>${inner}</${name}>`;
  }
  const scalar = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  return `<${name}>${escapeXml(scalar)}</${name}>`;
}

/** Actions whose AWS answer has no `<ActionResult>` element; every other answer has one, empty or not (botocore needs it). */
const NO_RESULT = new Set(['DeleteMessage', 'DeleteQueue', 'PurgeQueue', 'SetQueueAttributes', 'ChangeMessageVisibility', 'TagQueue', 'UntagQueue', 'AddPermission', 'RemovePermission']);

/** The XML answer of `action` with the JSON-shaped `output`. */
export function renderQueryAnswer(action: string, output: Record<string, unknown>, requestId: string): string {
  const fields = Object.entries(output).map(([k, v]) => xmlValue(k, v, action)).join('');
  const result = NO_RESULT.has(action) ? '' : `<${action}Result>${fields}</${action}Result>`;
  return `<?xml version="1.0"?><${action}Response xmlns="${XMLNS}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

/** The XML answer of a refused query-protocol request. */
export function renderQueryError(fault: string, code: string, message: string, requestId: string): string {
  return `<?xml version="1.0"?><ErrorResponse xmlns="${XMLNS}"><Error><Type>${fault}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
