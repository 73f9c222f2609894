import { request } from 'undici';

test('the test network guard refuses any non-loopback connection', async () => {
  await expect(request('http://10.255.255.1:9/', { headersTimeout: 2000 })).rejects.toMatchObject({ code: 'ETESTGUARD' });
  await expect(fetch('http://169.254.169.254/')).rejects.toThrow();
});
