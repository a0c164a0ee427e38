#include "report/i18n.h"

namespace mdrill::report {

namespace {

// The HTML reports' phrases (html*.cc), keyed by their English text (see i18n.h).
// The Chinese keeps the seed script's words where it had one: 故障转移测试报告,
// 测试总结, 可用性, 失败请求数, 成功率, 平均延迟, 总查询数, 总耗时, RTO 达标 / 不达标.
// "the seed" (the original script) is 原脚本. Phrases identical in both languages
// ("RTO") are left out: Tr falls back to the English. So are phrases the console's
// table (i18n.cc) already has, "PASS", "failed", "strict RTO" ...: a key is in one
// table only, and Tr finds it in either.
const Phrase kHtml[] = {
    // Page and sections.
    {"milvus-drill failover report", "milvus-drill 故障转移测试报告"},
    {"Failover test report:", "故障转移测试报告："},
    {"Test summary", "测试总结"},
    {"Run started", "运行开始于"},
    {"tests:", "测试数："},
    {"Key figures", "关键指标"},
    {"Timeline", "时间线"},
    {"Faults", "故障"},
    {"Checks", "检查项"},
    {"Run configuration", "运行配置"},
    {"Setting", "配置项"},
    {"Value", "值"},
    {"No configuration was recorded.", "未记录配置。"},
    {"How to read this report: docs/report.md; every figure is defined in docs/drill.md.",
     "如何阅读本报告：docs/report.md；各项指标的定义见 docs/drill.md。"},
    {"Could not complete:", "未能完成："},
    {"Could not judge:", "无法判定："},
    {"The history file was cut short; the run may have ended early.", "历史文件被截断，运行可能提前结束。"},
    {"collection", "集合"},
    {"duration", "时长"},
    {"elapsed", "总耗时"},
    {"operations", "操作数"},
    // Verdicts and check results.
    {"not judged", "未判定"},
    {"RTO met", "RTO 达标"},
    {"RTO NOT met", "RTO 不达标"},
    {"failed requests met", "失败请求数达标"},
    {"no fault explains", "无法由故障解释"},
    {"failed requests NOT met", "失败请求数不达标"},
    // Figures and table headings.
    {"Test", "测试"},
    {"Verdict", "结论"},
    {"Strict RTO", "严格 RTO"},
    {"Seed RTO", "原脚本 RTO"},
    {"Failed requests", "失败请求数"},
    {"Availability", "可用性"},
    {"Grade", "等级"},
    {"Lost writes", "丢失写入"},
    {"Duplicated writes", "重复写入"},
    {"Lost / duplicated writes", "丢失 / 重复写入"},
    {"acknowledged rows", "已确认行数"},
    {"Split-brain signals", "脑裂信号"},
    {"ids issued twice, timestamps going backwards", "重复分配的 ID、倒退的时间戳"},
    {"Recall@10 after the fault", "故障后召回率@10"},
    {"Recall after recovery", "恢复后召回率"},
    {"Stale reads", "过期读"},
    {"Target hit: active coordinator changed", "目标命中：活跃协调器已切换"},
    {"Total searches", "总查询数"},
    {"success rate", "成功率"},
    {"Mean latency", "平均延迟"},
    {"searches, raw, as the seed measured it", "搜索，未校正，与原脚本的测量方式相同"},
    {"first failure to first success", "从首次失败到其后首次成功"},
    {"time-based", "按时间计"},
    {"no operations", "无操作"},
    {"no fault", "无故障"},
    {"nothing failed", "无失败"},
    {"Check", "检查项"},
    {"Measured", "测量值"},
    {"Threshold", "阈值"},
    {"Result", "结果"},
    {"Definition", "定义"},
    // Faults.
    {"Start", "开始"},
    {"End", "结束"},
    {"Duration", "持续时间"},
    {"Fault", "故障"},
    {"instantaneous", "瞬时"},
    {"No fault was injected.", "未注入故障。"},
    {"Target:", "目标："},
    // The timeline.
    {"No operations were recorded.", "未记录任何操作。"},
    {"Operations by intended start, in bins of", "操作按计划开始时间归入区间，区间宽度"},
    {"Hover over a chart for the figures of each bin.", "将鼠标悬停在图表上可查看每个区间的数值。"},
    {"Throughput", "吞吐量"},
    {"Failures", "失败操作"},
    {"Latency p99", "p99 延迟"},
    {"Recall", "召回率"},
    {"ok operations per second, by kind", "每秒成功操作数，按操作类型"},
    {"failed and unknown operations per second", "每秒失败及结果未知的操作数"},
    {"latency p99, corrected (log scale), by kind", "p99 延迟，校正后（对数刻度），按操作类型"},
    {"recall@10, mean of the searches", "召回率@10，搜索平均值"},
    {"seconds since run start", "自运行开始的秒数"},
    {"ok", "成功"},
    {"unknown", "结果未知"},
    {"no failed or unknown operations", "无失败或结果未知的操作"},
    {"no recall measured", "未测量召回率"},
    {"fault injected", "故障注入"},
    {"fault window", "故障窗口"},
    {"instantaneous fault", "瞬时故障"},
    {"seed RTO (dashed)", "原脚本 RTO（虚线）"},
    {"strict RTO bound", "严格 RTO 延迟上限"},
    {"threshold", "阈值"},
    // The trend page.
    {"Trend", "趋势"},
    {"runs:", "运行次数："},
    {"Runs", "运行记录"},
    {"No stored runs for this scenario.", "该场景没有已保存的运行记录。"},
    {"run (date, UTC)", "运行（日期，UTC）"},
    {"RTO per run: strict (solid) and seed (dashed)", "每次运行的 RTO：严格定义（实线）与原脚本定义（虚线）"},
    {"failed requests per run (failed + unknown)", "每次运行的失败请求数（失败 + 结果未知）"},
    {"availability per run (request-based)", "每次运行的可用性（按请求计）"},
    {"Run", "运行"},
    {"Started (UTC)", "开始时间（UTC）"},
    {"Label", "标签"},
    {"Target", "目标环境"},
    {nullptr, nullptr},
};

}  // namespace

const Phrase* HtmlPhrases() { return kHtml; }

}  // namespace mdrill::report
