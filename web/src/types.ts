// The Letta shapes the page reads (only the fields it uses).
export interface Block {
  id: string;
  label: string;
  value: string;
  limit: number;
}
export interface Agent {
  id: string;
  name: string;
  model: string;
  embedding: string;
  blocks: Block[];
  created_at: string;
  llm_config: { model: string; context_window: number; handle: string };
}
export interface Model {
  handle: string;
  model: string;
  context_window?: number;
}
export interface EmbeddingModel {
  handle: string;
  embedding_model: string;
  embedding_dim: number;
}
export interface Profile {
  id: string;
  name: string;
  text: string;
}
export interface Passage {
  id: string;
  text: string;
  created_at: string;
  source_id: string | null;
}
export interface Source {
  id: string;
  name: string;
  description: string | null;
  created_at: string;
}
export interface SourceFile {
  id: string;
  file_name: string;
  file_size: number;
  processing_status: string;
  total_chunks: number;
}
export interface ToolCall {
  name: string;
  arguments: string;
  tool_call_id: string;
}
// A Letta message (history and stream alike).
export interface Message {
  id: string;
  date?: string;
  message_type: string;
  content?: string;
  reasoning?: string;
  tool_call?: ToolCall;
  tool_return?: string;
  status?: string;
  name?: string;
  stop_reason?: string;
  total_tokens?: number;
  step_count?: number;
}
export interface ContextWindow {
  context_window_size_max: number;
  context_window_size_current: number;
  num_tokens_system: number;
  num_tokens_functions_definitions: number;
  num_tokens_core_memory: number;
  num_tokens_summary_memory: number;
  num_tokens_messages: number;
  num_messages: number;
  num_archival_memory: number;
  num_recall_memory: number;
}
