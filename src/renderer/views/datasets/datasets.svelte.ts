// The datasets page lights up once the API declares dataset methods.
import type { WhittleClient } from '../../lib/api/client';
export function datasetsAvailable(client: WhittleClient): boolean {
  return client.has('listDatasets');
}
