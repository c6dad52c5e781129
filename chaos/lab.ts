import { BUILTIN_DEFAULTS } from '../config/config.js';
import { startScriptedServer, type Responder, type ScriptedServer } from '../llm/simulator/scripted-server.js';
import { writeChaosConfig, type ChaosConfigOptions } from './llm-config.js';
import { createPaidLedger, type PaidLedger } from './paid-ledger.js';
import { plausibleModel } from './plausible-model.js';
import type { ChaosBase } from './work-dir.js';

/** A scripted provider in this process, the ledger of what it billed, and a config pointing every LLM role at it. */
export interface Lab {
  readonly server: ScriptedServer;
  readonly ledger: PaidLedger;
  /** `hubgen --config <configFile>` */
  readonly configFile: string;
  close(): Promise<void>;
}

export interface LabOptions extends Omit<ChaosConfigOptions, 'baseURL'> {
  /** The model behind the ledger. @default plausibleModel */
  readonly model?: Responder;
  /** Keep every request body in the ledger (to diff repeated requests). */
  readonly keepBodies?: boolean;
}

export async function openLab(base: ChaosBase, name: string, { model = plausibleModel, keepBodies, ...config }: LabOptions = {}): Promise<Lab> {
  const ledger = createPaidLedger(BUILTIN_DEFAULTS.prices, { keepBodies });
  // No server latency: an answer is written in the tick the ledger records it (see createPaidLedger).
  const server = await startScriptedServer({ responder: ledger.responder(model) });
  const configFile = await writeChaosConfig(base.cwd, name, { baseURL: server.baseURL, ...config });
  return { server, ledger, configFile, close: () => server.close() };
}

/** `hubgen --config <lab config> run …` arguments. */
export const runArgs = (lab: Lab, ...args: string[]): string[] => ['--config', lab.configFile, 'run', ...args];
