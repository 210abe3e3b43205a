// k6/metrics: custom Counter, Gauge, Rate and Trend metrics, with tags, and
// thresholds on them; the run fails (exit code 99) if a threshold does.
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

const orders = new Counter('orders');
const basket = new Gauge('basket_size');
const paid = new Rate('paid');
const latency = new Trend('checkout_latency', true);

export const options = {
  iterations: 4,
  thresholds: {
    orders: ['count==4'],
    'orders{kind:big}': ['count==2'],
    basket_size: ['value==4'],
    paid: ['rate==0.5'],
    checkout_latency: ['max<100', 'avg==25'],
  },
};

let n = 0;

export default function () {
  n++;
  orders.add(1, { kind: n % 2 === 0 ? 'big' : 'small' });
  basket.add(n);
  paid.add(n % 2 === 0);
  latency.add(n * 10);
  console.log(`order ${n}`);
}
