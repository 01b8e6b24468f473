// Export lights up once the API declares an export method.
import type { WhittleClient } from '../../lib/api/client';
export function exportAvailable(client: WhittleClient): boolean {
  return client.has('exportRun');
}
