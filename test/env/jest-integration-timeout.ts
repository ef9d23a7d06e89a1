/** Integration tests start servers and wait for them: a longer default timeout for tests and hooks. */
import { jest } from '@jest/globals';

jest.setTimeout(120_000);
