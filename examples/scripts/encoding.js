// k6/encoding's base64 (standard and URL alphabets, with and without
// padding) and the global TextEncoder and TextDecoder.
import encoding from 'k6/encoding';

export const options = { iterations: 1 };

export default function () {
  const text = 'k6 ♥ base64?';
  const std = encoding.b64encode(text);
  console.log(`std: ${std}`);
  console.log(`rawurl: ${encoding.b64encode(text, 'rawurl')}`);
  console.log(`decoded: ${encoding.b64decode(std, 'std', 's')}`);

  const bytes = new TextEncoder().encode(text);
  console.log(`utf-8: ${bytes.length} bytes, back: ${new TextDecoder().decode(bytes)}`);
}
