#include "report/i18n.h"

#include <cstring>
#include <string>
#include <unordered_map>

namespace mdrill::report {

namespace {

// The console report's phrases. The Chinese side keeps the seed script's words where
// it had one: 总查询数, 成功, 失败, 成功率, 平均延迟, 总耗时, RTO 达标 / 不达标,
// 失败请求数达标, 测试总结, RTO 分析, 可用性分析, 预计年度宕机时间, 等级, 四个九.
const Phrase kConsole[] = {
    // The seed's report (print_test_report, the summary and its two analyses).
    {"Failover test report: %s\n", "故障转移测试报告: %s\n"},
    {"  total searches: %lld\n  succeeded: %lld\n  failed: %lld\n", "  总查询数: %lld\n  成功: %lld\n  失败: %lld\n"},
    {"  success rate: %.2f%%\n", "  成功率: %.2f%%\n"},
    {"  mean latency: %s (raw, as the seed measured it)\n", "  平均延迟: %s（原始值，与原脚本的测法相同）\n"},
    {"  RTO: %s (seed definition)\n", "  RTO: %s（原脚本的定义）\n"},
    {"  elapsed: %.2f s\n", "  总耗时: %.2f 秒\n"},
    {"  [ok] RTO (strict) met (< %.0f s)\n", "  ✅ RTO 达标（严格定义）(< %.0f 秒)\n"},
    {"  [x] RTO (strict) NOT met (>= %.0f s)\n", "  ❌ RTO 不达标（严格定义）(>= %.0f 秒)\n"},
    {"  [ok] failed requests met (< %.0f)\n", "  ✅ 失败请求数达标 (< %.0f 次)\n"},
    {"  [ok] no failed request that no fault explains (%.0f)\n", "  ✅ 没有无法由故障解释的失败请求 (%.0f 次)\n"},
    {"  [x] failed requests that no fault explains: %.0f\n", "  ❌ 无法由故障解释的失败请求: %.0f 次\n"},
    {"  [x] failed requests NOT met (>= %.0f)\n", "  ❌ 失败请求数不达标 (>= %.0f 次)\n"},
    {"Test summary\n", "测试总结\n"},
    {"\n=== RTO analysis ===\n", "\n=== RTO 分析 ===\n"},
    {"no RTO data (nothing failed)\n", "没有 RTO 数据（没有失败）\n"},
    {"mean RTO: %.2f s\nmin RTO: %.2f s\nmax RTO: %.2f s\nmedian RTO: %.2f s\n",
     "平均 RTO: %.2f 秒\n最小 RTO: %.2f 秒\n最大 RTO: %.2f 秒\n中位数 RTO: %.2f 秒\n"},
    {"\nRTO distribution:\n", "\nRTO 分布:\n"},
    {"  %.0f-%s s: %lld (%.1f%%)\n", "  %.0f-%s 秒: %lld 次 (%.1f%%)\n"},
    {"\n=== Availability analysis ===\n", "\n=== 可用性分析 ===\n"},
    {"total searches: %lld\nsucceeded: %lld\nfailed: %lld\navailability: %.4f%%\n",
     "总查询数: %lld\n成功查询数: %lld\n失败查询数: %lld\n可用性: %.4f%%\n"},
    {"projected yearly downtime: %.2f minutes (%.2f hours)\n", "预计年度宕机时间: %.2f 分钟 (%.2f 小时)\n"},
    {"grade: %s\n", "等级: %s\n"},
    {"PASS", "通过"},
    {"FAIL", "失败"},
    {"COULD NOT JUDGE", "无法判定"},
    {"%.2f s", "%.2f 秒"},
    // What the seed did not measure.
    {"\n  success rate by phase (all kinds):", "\n  各阶段成功率（所有操作）:"},
    {" %s %.2f%% (%lld ops)", " %s %.2f%% (%lld 次操作)"},
    {"before", "故障前"},
    {"during", "故障中"},
    {"after", "恢复后"},
    {"\n\n  RTO per operation kind:\n", "\n\n  各操作类型的 RTO:\n"},
    {"    %-8s seed %-10s strict %-10s outages %zu\n", "    %-8s 原脚本定义 %-10s 严格定义 %-10s 中断次数 %zu\n"},
    {"never", "未恢复"},
    {"    seed: %s\n    strict: %s\n", "    原脚本定义: %s\n    严格定义: %s\n"},
    {"\n  latency (ok operations)       p50        p90        p99        max\n",
     "\n  延迟（成功的操作）             p50        p90        p99        最大\n"},
    {"corrected", "修正值"},
    {"raw", "原始值"},
    {"    corrected = from the intended start (coordinated omission accounted for); raw = from the call\n",
     "    修正值 = 从计划发出时刻算起（已计入协调遗漏）；原始值 = 从实际调用算起\n"},
    {"  failed requests: %lld (%lld while a fault impaired the service, %lld that no fault explains)\n",
     "  失败请求：%lld（故障影响服务期间 %lld，无法由故障解释 %lld）\n"},
    {"  slow answers that no fault explains: %lld (over their kind's latency bound; reported, not judged)\n",
     "  无法由故障解释的慢响应：%lld（超过该类操作的延迟上限；仅报告，不参与判定）\n"},
    {"\n  availability: requests %.4f%% (%lld/%lld, %s), time %.4f%% (%s)\n",
     "\n  可用性: 按请求 %.4f%% (%lld/%lld, %s)，按时间 %.4f%% (%s)\n"},
    {"    nines %.2f, projected downtime %.1f min/year\n", "    几个九 %.2f，预计年度宕机时间 %.1f 分钟\n"},
    {"\n  writes: %lld inserts (%lld ok, %lld failed, %lld unknown), %lld rows acknowledged, "
     "lost %zu, duplicated %zu; unknown rows found %lld / not found %lld\n",
     "\n  写入: %lld 次插入（成功 %lld，失败 %lld，结果未知 %lld），已确认 %lld 行，"
     "丢失 %zu，重复 %zu；结果未知的行 找到 %lld / 未找到 %lld\n"},
    {"  RPO: %s\n", "  RPO: %s\n"},
    {"\n  writes: not judged (%s)\n", "\n  写入: 无法判定（%s）\n"},
    {"  split-brain signals: %lld (ids acknowledged twice %zu, timestamps going backwards %lld)\n",
     "  脑裂迹象: %lld（ID 被确认两次 %zu，时间戳倒退 %lld）\n"},
    {"  recall@10: before %s, during %s, after %s (mean over searches; exact ground truth)\n",
     "  召回率@10: 故障前 %s，故障中 %s，恢复后 %s（查询的平均值；精确真值）\n"},
    {"\n  checks:\n", "\n  检查项:\n"},
    {"measured", "实测"},
    {"    could not judge: %s\n", "    无法判定: %s\n"},
    {"  verdict: %s\n", "  结论: %s\n"},
    {"  could not complete: %s\n", "  未能完成: %s\n"},
    {"  fault: %s\n", "  故障: %s\n"},
    {"  active coordinator: %s -> %s\n", "  活跃协调者: %s -> %s\n"},
    {"(none)", "（无）"},
    {"  test verdict: COULD NOT JUDGE (%s)\n", "  测试结论: 无法判定（%s）\n"},
    {"  history: %s\n  result:  %s\n", "  历史记录: %s\n  结果:     %s\n"},
    // Live progress.
    {"[%s] %s %.1f/%.0f s | %.1f ops/s | %lld ops, %lld failed | fault: %s",
     "[%s] %s %.1f/%.0f 秒 | %.1f 次/秒 | %lld 次操作，失败 %lld | 故障: %s"},
    {"warm-up", "预热"},
    {"fault", "故障中"},
    {"after fault", "故障后"},
    {"none yet", "尚未注入"},
    // history, trend, analyze.
    {"run recorded in the history as run", "本次运行已记入历史，运行编号"},
    {"%-18s %-12s %-12s %8s %8s %13s %6s  %s\n", "%-18s %-12s %-12s %8s %8s %13s %6s  %s\n"},
    {"%5s  %-19s  %-6s  %-22s  %5s %5s %5s %5s  %-15s %s\n", "%5s  %-19s  %-6s  %-22s  %5s %5s %5s %5s  %-15s %s\n"},
    {"%5s  %-19s  %-18s %-12s %-12s %8s %13s %6s  %-15s %s\n",
     "%5s  %-19s  %-18s %-12s %-12s %8s %13s %6s  %-15s %s\n"},
    {"test", "测试"},
    {"strict RTO", "严格 RTO"},
    {"seed RTO", "原脚本 RTO"},
    {"failed", "失败请求数"},
    {"requests", "请求数"},
    {"lost", "丢失"},
    {"verdict", "结论"},
    {"no runs recorded yet", "还没有记录任何运行"},
    {"run", "运行"},
    {"started (UTC)", "开始时间 (UTC)"},
    {"target", "目标"},
    {"address", "地址"},
    {"tests", "测试数"},
    {"pass", "通过"},
    {"fail", "失败"},
    {"n/j", "无法判定"},
    {"label", "标签"},
    {"trend of %s: %zu tests\n", "%s 的趋势: %zu 次测试\n"},
    {"trend chart: %s\n", "趋势图: %s\n"},
    {"analysis over %zu tests of %zu runs (the seed's RTO, searches)\n",
     "分析范围: %zu 次测试，%zu 次运行（原脚本的 RTO，查询）\n"},
    // The fixed parts of the checks' definitions (their titles are in drill/check).
    {"strict RTO (fault.start to sustained recovery), slowest op kind",
     "严格 RTO（从故障开始到持续恢复），取最慢的操作类型"},
    {"seed RTO (first failure to first success after it), slowest op kind",
     "原脚本定义的 RTO（从第一次失败到其后第一次成功），取最慢的操作类型"},
    {"no fault.start event, so the seed definition", "没有 fault.start 事件，因此用原脚本的定义"},
    {"never recovered", "始终未恢复"},
    {"a restart of the whole target", "整个目标的重启"},
    {"  service RTO: %s (strict)", "  服务 RTO：%s（严格）"},
    {"\n  outages (strict RTO of each, from its fault's injection; slowest kind):",
     "\n  各次中断（各自从故障注入起的严格 RTO；取最慢的操作类型）："},
    {"\n    t=%.1fs  %s  %s", "\n    t=%.1fs  %s  %s"},
    {" (%d faults before recovery)", "（恢复前共 %d 次故障）"},
    {"; %s %s", "；%s %s"},
    {"a client with the SDKs' default reconnect saw", "采用 SDK 默认重连策略的客户端看到"},
    {"nothing failed, nothing to recover from", "没有失败，无需恢复"},
    {"failed + unknown workload ops, all kinds (the seed's budget assumed 1 search/s)",
     "失败 + 结果未知的负载操作，所有类型（原脚本的阈值按每秒 1 次查询设定）"},
    {"request-based availability, % of workload ops ok", "按请求计算的可用性，成功的负载操作所占百分比"},
    {"acknowledged pks absent from the final read", "已确认但最终读取中不存在的主键"},
    {"pks acknowledged twice or stored more often than written", "被确认两次或存储次数多于写入次数的主键"},
    {"pks acknowledged twice + inserts whose timestamp went backwards", "被确认两次的主键 + 时间戳倒退的插入"},
    {"mean recall@k of searches in the after phase", "恢复后阶段查询的平均召回率@k"},
    {"seed RTO per op kind: from the intended start of the first failed-or-unknown op to the end of the first ok op "
     "after it in intended-start order",
     "原脚本定义的 "
     "RTO（按操作类型）：从第一个失败或结果未知的操作的计划开始时刻，到按计划开始时刻排序其后第一个成功操作的结束时刻"},
    {"every run of bad ops is an outage", "每一段连续的失败操作算一次中断"},
    {"overall = slowest kind", "总体 = 最慢的操作类型"},
    {"failed + unknown workload ops that no fault explains (outside every fault's impairment, fault.start to "
     "sustained recovery)",
     "无法由任何故障解释的失败或结果未知的负载操作（不在任何故障的影响期内，影响期为故障开始到持续恢复）"},
    {"+- half the op spacings at its two ends", "± 两端操作间隔之和的一半"},
    {"strict RTO per op kind: from the fault's injection (fault.injected, else fault.start) to recovery, the first "
     "answer among the ops of a sustained run of good ops (ok, corrected latency <= bound, default max(200 ms, 5 x "
     "p99 of the settled warm-up, its ops after its first second), lasting at least sustain_ops ops and sustain "
     "time)",
     "严格 RTO（按操作类型）：从故障注入完成（fault.injected，没有时为 "
     "fault.start）到恢复，恢复指持续良好操作序列（成功且修正延迟 "
     "<= 上限，默认 max(200 ms, 5 × 稳定预热期 p99，即预热第一秒之后的操作)，至少持续 sustain_ops 个操作和 sustain "
     "时长）中最早得到的应答"},
    {"placed midway between the last moment a bad op proved the service impaired (a failure's end, a slow op's "
     "intended start + bound) and that answer, +- half the interval",
     "取最后一个坏操作证明服务受损的时刻（失败的结束时刻，或慢操作的计划开始时刻 + 上限）与该应答之间的中点，"
     "± 区间的一半"},
    {"ops that ended before fault.start are not counted", "故障开始前已结束的操作不计"},
    {"0 when no op in flight at or after fault.start was bad", "故障开始时及之后进行中的操作都正常时为 0"},
    {"client view: the strict RTO of GetVersion probes through one channel with the SDKs' default reconnect "
     "(gRPC defaults: backoff from 1 s, x1.6, up to 120 s), as an application using pymilvus or the Node SDK sees "
     "an outage",
     "客户端视角：经由一个采用 SDK 默认重连策略（gRPC 默认：退避从 1 秒起，×1.6，最长 120 秒）的通道发出的 GetVersion "
     "探测的严格 RTO，即使用 pymilvus 或 Node SDK 的应用所看到的中断"},
    {"never part of the RTO check", "不计入 RTO 检查"},
    {nullptr, nullptr},
};

using Table = std::unordered_map<std::string, const char*>;

Table Build() {
  Table t;
  for (const Phrase* table : {ConsolePhrases(), HtmlPhrases()})
    for (const Phrase* p = table; p->en != nullptr; ++p) t.emplace(p->en, p->zh);
  return t;
}

}  // namespace

const Phrase* ConsolePhrases() { return kConsole; }

std::optional<Lang> ParseLang(std::string_view code) {
  if (code == "en") return Lang::kEn;
  if (code == "zh" || code == "zh-CN" || code == "zh_CN") return Lang::kZh;
  return std::nullopt;
}

const char* LangCode(Lang lang) { return lang == Lang::kZh ? "zh" : "en"; }

const char* Tr(Lang lang, const char* en) {
  if (lang == Lang::kEn) return en;
  static const Table table = Build();
  auto it = table.find(en);
  return it == table.end() ? en : it->second;
}

const char* GradeText(Lang lang, drill::Grade grade) {
  if (lang == Lang::kEn) return drill::GradeName(grade);
  switch (grade) {
    case drill::Grade::kFourNines:
      return "四个九（99.99%）";
    case drill::Grade::kThreeNines:
      return "三个九（99.9%）";
    case drill::Grade::kTwoNines:
      return "两个九（99%）";
    case drill::Grade::kBelow99:
      return "不达标（< 99%）";
  }
  return "?";
}

}  // namespace mdrill::report
