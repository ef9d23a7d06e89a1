import { describe, expect, it } from '@jest/globals';
import { awsClientConfig } from './aws.ts';
import { gcpClientOptions, parseHostPort } from './gcp.ts';
import { KmsError } from './types.ts';

const gcp = { projectId: 'p', locationId: 'global', keyRingId: 'r', auditLogging: false };
const aws = { region: 'us-east-1', multiRegionKey: false, auditLogging: false, disableSslVerification: false };

describe('gcpClientOptions (production channel)', () => {
  it('uses TLS (no sslCreds) and ambient credentials by default', () => {
    const o = gcpClientOptions(gcp, undefined);
    expect(o).toEqual({ projectId: 'p', fallback: false });
  });

  it('splits endpointOverride host:port', () => {
    expect(gcpClientOptions({ ...gcp, endpointOverride: 'kms.internal:8443' }, undefined)).toMatchObject({ apiEndpoint: 'kms.internal', port: 8443 });
    expect(parseHostPort('[::1]:443')).toEqual({ host: '::1', port: 443 });
  });

  it.each(['https://kms.internal:443', 'kms.internal', 'kms:0', 'kms:70000'])('rejects endpointOverride %s', (value) => {
    expect(() => parseHostPort(value)).toThrow(KmsError);
  });

  it('turns a service-account key file into an auth client, not a raw `credentials` option', () => {
    const json = JSON.stringify({ type: 'service_account', client_email: 'sa@p.iam.gserviceaccount.com', private_key: 'k', private_key_id: 'id' });
    const o = gcpClientOptions(gcp, { gcp: { credentialsJson: json } });
    expect(o.credentials).toBeUndefined();
    expect(o.authClient).toMatchObject({ email: 'sa@p.iam.gserviceaccount.com' });
    expect(o.sslCreds).toBeUndefined();
  });
});

describe('awsClientConfig', () => {
  it('one attempt per call, region, endpoint and static credentials', () => {
    const creds = { accessKeyId: 'AKIA', secretAccessKey: 'secret' };
    expect(awsClientConfig({ ...aws, endpointOverride: 'https://vpce.example' }, { aws: creds })).toEqual({ region: 'us-east-1', maxAttempts: 1, endpoint: 'https://vpce.example', credentials: creds });
  });

  it('leaves credentials to the default chain when ambient, and only relaxes TLS when asked', () => {
    expect(awsClientConfig(aws, undefined)).toEqual({ region: 'us-east-1', maxAttempts: 1 });
    expect(awsClientConfig({ ...aws, disableSslVerification: true }, undefined).requestHandler).toBeDefined();
  });
});
