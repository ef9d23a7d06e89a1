/**
 * Jest setup for every test file: nothing in a test may reach a cloud metadata endpoint (the only network here is
 * loopback), so the cloud SDKs' ambient-credential probes are switched off or pointed at a closed loopback port.
 */
process.env.METADATA_SERVER_DETECTION = 'none';
process.env.GCE_METADATA_HOST = '127.0.0.1:9';
process.env.GCE_METADATA_IP = '127.0.0.1:9';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
