    const putSecret = vi.fn();
    const test = await rig({ credentialHealthCheck: health, putSecret });
    const secret = JSON.stringify({ accessKeyId: 'LTAI-invalid', accessKeySecret: 'invalid', regionId: 'cn-shenzhen' });
