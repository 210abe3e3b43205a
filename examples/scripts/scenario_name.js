// Reads the name of the scenario the VU runs in: exec.scenario.name is the key the
// scenario has under options.scenarios ("myscenario" here).
import exec from 'k6/execution';

export const options = {
  scenarios: {
    myscenario: {
      executor: 'shared-iterations',
      maxDuration: '30m',
    },
  },
};

export default function () {
  console.log(exec.scenario.name);
}
