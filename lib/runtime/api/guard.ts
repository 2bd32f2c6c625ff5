// A Bedrock guardrail applied to the text of a model that is not on Bedrock (a SageMaker endpoint), through
// ApplyGuardrail, which assesses any text against the guardrail's policies without invoking a model (Bedrock
// user guide, "Use the ApplyGuardrail API in your application"). Caller turns are checked as INPUT before the
// model sees them, answers as OUTPUT before the caller does: masked PII stays masked in the records too.
import type { ApplyGuardrailCommandOutput, BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { ApplyGuardrailCommand } from './sdk/bedrock-runtime';
import type { ChatMessage } from './contract';

export interface GuardedText {
  readonly text: string;
  /** The guardrail changed the text (masked PII) or replaced it (blocked). */
  readonly intervened: boolean;
  /** The guardrail blocked the text: `text` is the guardrail's blocked message. */
  readonly blocked: boolean;
}

export class Guard {
  constructor(private readonly client: BedrockRuntimeClient, private readonly id: string, private readonly version: string) {}

  /** The caller's turns as the model may see them, each checked on its own so each keeps its place. */
  async input(messages: readonly ChatMessage[], signal: AbortSignal): Promise<{ messages: ChatMessage[]; blocked?: GuardedText }> {
    const checked = await Promise.all(messages.map((m) => this.apply('INPUT', m.content, signal)));
    const blocked = checked.find((c) => c.blocked);
    return { messages: messages.map((m, i) => ({ role: m.role, content: checked[i].text })), blocked };
  }

  output(text: string, signal: AbortSignal): Promise<GuardedText> {
    return this.apply('OUTPUT', text, signal);
  }

  private async apply(source: 'INPUT' | 'OUTPUT', text: string, signal: AbortSignal): Promise<GuardedText> {
    if (text.trim() === '') return { text, intervened: false, blocked: false };
    const out = await this.client.send(new ApplyGuardrailCommand({
      guardrailIdentifier: this.id, guardrailVersion: this.version, source, content: [{ text: { text } }],
    }), { abortSignal: signal });
    if (out.action !== 'GUARDRAIL_INTERVENED') return { text, intervened: false, blocked: false };
    // With one content block, the outputs are its processed text: masked, or the guardrail's blocked message.
    const processed = (out.outputs ?? []).map((o) => o.text ?? '').join('');
    return { text: processed, intervened: true, blocked: blockedBy(out) };
  }
}

/** Whether any policy of the assessment blocked (rather than masked or only detected). */
function blockedBy(out: ApplyGuardrailCommandOutput): boolean {
  return JSON.stringify(out.assessments ?? []).includes('"action":"BLOCKED"');
}
