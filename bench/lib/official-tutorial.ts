// The aws-cli peer: the official tutorial's commands (bench/official-tutorial.sh) against the local endpoint,
// and the settings it runs with, shared by the walkthrough and start-up benches.
import * as path from 'node:path';
import { PROJECT } from './procs.ts';

export const OFFICIAL_TUTORIAL = path.join(PROJECT, 'bench', 'official-tutorial.sh');
export const IMAGE = path.join(PROJECT, 'test', 'fixtures', 'images', 'photo-landscape.jpg');
export const ACCOUNT = '000000000000';

/** official-tutorial.sh's environment: `base` (an isolated one), the endpoint, its folder, a prebuilt zip if any. */
export function officialTutorialEnv(
  base: NodeJS.ProcessEnv,
  endpoint: string,
  workdir: string,
  zip?: string,
): NodeJS.ProcessEnv {
  return {
    ...base,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    // Same as ours (which passes --prefer-offline): npm's cache, no registry round trips.
    npm_config_prefer_offline: 'true',
    ENDPOINT: endpoint,
    WORKDIR: workdir,
    IMAGE,
    SRC: `bench-tutorial-src-${ACCOUNT}`,
    FUNCTION: 'CreateThumbnailTutorial',
    ROLE: 'LambdaS3Role',
    POLICY: 'LambdaS3Policy',
    ACCOUNT,
    ...(zip ? { PACKAGE_ZIP: zip } : {}),
  };
}
