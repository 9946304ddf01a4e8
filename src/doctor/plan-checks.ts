import { describeClientKeyProblem, isSiftClientKey } from "../core/client-key.js";
import { formatProblem, type Problem } from "../core/errors.js";
import { type PlanOptions, plan } from "../plan/plan.js";
import { formatPlanCounts } from "../plan/summary.js";
import { type CheckResult, MAX_NAMED, result } from "./check.js";
import { formatCount, plural } from "../core/words.js";
import type { DoctorContext } from "./context.js";

/**
 * The end of `doctor`'s manifest checks: the plan made (reading only), its counts, and the
 * clientKeys of its creates that Sift's rule refuses.
 */

export type ManifestCheckOptions = Omit<
  PlanOptions,
  "client" | "onChange" | "onProgress" | "signal" | "createAssets"
>;

export async function planCounts(
  ctx: Pick<DoctorContext, "client" | "signal">,
  options: ManifestCheckOptions,
) {
  const badKeys: string[] = [];
  let badCount = 0;
  let followUps = 0;
  const invalid: Problem[] = [];
  let invalidCount = 0;
  const planned = await plan({
    ...options,
    client: ctx.client,
    ...(ctx.signal && { signal: ctx.signal }),
    onChange: (change) => {
      if (change.action === "create" && change.followUp !== undefined) followUps++;
      // The plan makes a create whose key breaks the rule invalid (--client-key-check sift);
      // with `off` it stays a create, which this Sift may still refuse.
      if (change.action === "create" || change.action === "invalid") {
        if (!isSiftClientKey(change.spec.clientKey)) {
          badCount++;
          if (badKeys.length < MAX_NAMED) {
            badKeys.push(
              `${change.spec.source.file}:${change.spec.source.line} ${describeClientKeyProblem(change.spec.clientKey)}`,
            );
          }
        }
      }
      if (change.action === "invalid") {
        invalidCount++;
        invalid.push(...change.problems.slice(0, MAX_NAMED - invalid.length));
      }
    },
  });
  const { summary } = planned;
  return {
    summary,
    followUps,
    keysCheck(base: Pick<CheckResult, "section" | "id" | "title">): CheckResult {
      if (badCount === 0) {
        return result(
          base,
          "ok",
          summary.create === 0
            ? "no run to create"
            : `all ${plural(summary.create, "clientKey")} to create follow Sift's rule`,
        );
      }
      return result(
        base,
        "fail",
        [`${plural(badCount, "run")} to create with a clientKey Sift refuses:`, ...badKeys].join(
          "\n",
        ),
        {
          data: { refused: badCount },
          todo: "change those keys in the source (export's key template or a mapping can build Sift-safe ones): Sift answers their creates 400",
        },
      );
    },
    countsCheck(base: Pick<CheckResult, "section" | "id" | "title">): CheckResult {
      const counts = formatPlanCounts(summary);
      const data = { ...summary };
      if (invalidCount === 0) return result(base, "ok", counts, { data });
      const shown = invalid.map(formatProblem);
      return result(
        base,
        "fail",
        [`${counts}, ${formatCount(invalidCount)} invalid:`, ...shown].join("\n"),
        {
          data,
          todo: "`sift-run-sync plan` with the same paths shows every run; --skip-invalid applies the valid ones",
        },
      );
    },
  };
}
