// Browser upload widget: the bundle ships these to every visitor.
import OSS from 'ali-oss';

export const client = new OSS({
  region: 'oss-cn-hangzhou',
  bucket: 'shop-user-uploads',
  accessKeyId: 'LTAI5t9fiulSL3y2a72LYBNt',
  accessKeySecret: 'bNXJNjU5Oni9Q42wCHLQWM0MY9O0vp',
});
