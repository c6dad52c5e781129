/** The parts of an OpenAI chat-completions request body the server looks at. */
export interface ChatCompletionRequest {
  readonly model: string;
  readonly messages: readonly { role: string; content: string | readonly { type: string; text?: string }[] | null }[];
  readonly response_format?: { type: string; json_schema?: { name?: string; strict?: boolean; schema?: object } };
  readonly stream?: boolean;
  readonly stream_options?: { include_usage?: boolean };
  readonly max_tokens?: number;
  readonly temperature?: number;
  readonly logprobs?: boolean;
  readonly top_logprobs?: number;
  readonly [key: string]: unknown;
}
