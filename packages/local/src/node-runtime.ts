import { lambdaRuntime } from "@oemr-reg/core/resources";

/**
 * Why this Node may not run the stack, or undefined when it may. The functions run on one major
 * version in Lambda, and every local run (`npm start`, the tests, the bench) must be proven on it.
 */
export function wrongNode(version: string): string | undefined {
  if (Number(version.split(".")[0]) === lambdaRuntime.nodeMajor) return undefined;
  return [
    `This is Node ${version}; the functions run on Node ${lambdaRuntime.nodeMajor} (${lambdaRuntime.name}),` +
      " and so does every local run.",
    "  Run it through npm (npm start, npm test, npm run bench): npm puts the project's own Node",
    "  (node_modules/.bin/node, from the `node` devDependency) first on the PATH.",
    "  nvm, fnm and Volta users: `nvm use` reads .nvmrc, fnm and Volta read .node-version.",
  ].join("\n");
}

/** @throws Error saying how to run on the functions' Node when this process runs another. */
export function requireLambdaNode(version = process.versions.node): void {
  const problem = wrongNode(version);
  if (problem) throw new Error(problem);
}
