import { QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { installDashboardErrorMap } from "./lib/error-map";
import { onUnauthenticated, queryClient } from "./lib/queries";
import { makeRouter } from "./router";
import "./styles.css";

// Every form validates with zod: its issues are said in plain words (lib/error-map.ts).
installDashboardErrorMap();

const router = makeRouter(queryClient);

// A session that expires or is revoked mid-use: send the person to log in, then back here.
onUnauthenticated(() => {
  const here = router.state.location.href;
  queryClient.clear();
  void router.navigate({ to: "/login", search: { next: here, error: undefined } });
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
