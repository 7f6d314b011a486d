/** Prints the fake's price catalogue as the API's STRIPE_PRICES JSON (scripts/lib/stack.mjs passes it to `wrangler dev`). */
import { fakePriceIds } from "./fake-stripe";

console.log(JSON.stringify(fakePriceIds()));
