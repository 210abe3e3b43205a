// k6/secrets: secrets from the sources given with --secret-source, here two
// mock ones (the test passes
//   --secret-source=mock=default,token=s3cr3t-t0ken
//   --secret-source=mock=name=vault,password=hunter2):
// the script uses their values, the logs show ***SECRET_REDACTED***.
import secrets from 'k6/secrets';

export const options = { iterations: 1 };

export default async function () {
  const token = await secrets.get('token');
  const password = await secrets.source('vault').get('password');
  console.log(`token: ${token}, ${token.length} characters`);
  console.log(`password: ${password}, starts with ${password.slice(0, 3)}`);
  try {
    await secrets.get('missing');
  } catch (e) {
    console.log(`missing: ${e.message}`);
  }
}
