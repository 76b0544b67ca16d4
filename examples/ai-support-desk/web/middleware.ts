import { clerkMiddleware, createRouteMatcher } from "@clerk/nextjs/server";

// The summariser is embedded on the public status page; everything else
// needs a signed-in agent.
const isPublicRoute = createRouteMatcher(["/api/summarize(.*)", "/sign-in(.*)"]);

export default clerkMiddleware(async (auth, req) => {
  if (!isPublicRoute(req)) {
    await auth.protect();
  }
});

export const config = {
  matcher: ["/((?!_next|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico)).*)", "/(api|trpc)(.*)"],
};
