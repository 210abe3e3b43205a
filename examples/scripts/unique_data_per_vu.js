// Gives every VU its own item of a data set: exec.vu.idInTest starts at 1 and is
// unique across the whole test, so `users[exec.vu.idInTest - 1]` hands each VU
// one user, and `vus: users.length` gives every user a VU of its own.
// The users live in a SharedArray (k6/data): built once, shared by every VU.
//
// Run with -e BASE_URL=http://127.0.0.1:PORT (any HTTP server answers).
import http from 'k6/http';
import exec from 'k6/execution';
import { SharedArray } from 'k6/data';

const users = new SharedArray('users', function () {
  return [
    { username: 'alice', password: 'alice-secret' },
    { username: 'bob', password: 'bob-secret' },
    { username: 'carol', password: 'carol-secret' },
  ];
});

export const options = {
  scenarios: {
    login: {
      executor: 'per-vu-iterations',
      vus: users.length,
      iterations: 3,
      maxDuration: '10s',
    },
  },
};

export default function () {
  // VU ids start at 1, array indexes at 0
  const user = users[exec.vu.idInTest - 1];
  http.post(`${__ENV.BASE_URL}/login`, JSON.stringify(user));
  console.log(`VU ${exec.vu.idInTest} logged in as ${user.username}`);
}
