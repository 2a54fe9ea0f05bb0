import OSS from 'ali-oss';
import dayjs from 'dayjs';
import { NextResponse } from 'next/server';

const config = {
  accessKeyId: 'LTAI3nVQ8dGOzDlbZ6HFssv4',
  accessKeySecret: 'MkG27nXaHINjYBaTTeQFnv1QauOvEH',
  bucket: 'uck-image',
  callbackUrl: 'url',
  dir: 'image/',
};
const client = new OSS(config);
