//! The bounds on the work one file may cost: how deep its expressions are
//! followed, and how long its parse and analysis may take.
//!
//! Both are configured (`[scan] max_nesting_depth`, `[scan] file_time_budget`,
//! and the matching command-line flags) and honoured the same way by `scan`
//! and the language server, through the [`Engine`](crate::engine::Engine).
//!
//! The budget is enforced by cooperation, never by killing a thread: the
//! parser's progress callback, the loops of lowering and every loop and
//! recursion of the analysis ask a [`Budget`] whether time (or, in the
//! analysis, the counted steps) is up, and stop at the next step when it
//! is. A file that runs out while it is parsed or lowered is skipped and
//! reported with its budget; one that runs out during the analysis keeps
//! what was found before and is reported as analysed in part, with the
//! reason.

use std::cell::Cell;
use std::fmt;
use std::time::{Duration, Instant};

/// Expressions nested deeper than this are not analysed below that depth,
/// unless configured otherwise.
pub const DEFAULT_MAX_NESTING_DEPTH: u32 = 200;

/// The largest nesting depth that may be configured. Expressions are lowered
/// recursively, so the depth is paid for in call stack: files are analysed
/// on threads with [`ANALYSIS_STACK_SIZE`] stacks, which hold this depth
/// several times over (a test lowers input nested 10,000 deep with this
/// limit, in a debug build).
pub const MAX_NESTING_DEPTH_LIMIT: u32 = 1000;

/// The time one file's parse and analysis may take, unless configured
/// otherwise: generous, so that only pathological input reaches it (the
/// largest realistic files take well under a second).
pub const DEFAULT_FILE_TIME_BUDGET: Duration = Duration::from_secs(10);

/// The stack of a thread that analyses files. Expressions are lowered
/// recursively, up to [`MAX_NESTING_DEPTH_LIMIT`] levels, each of which costs
/// up to about 8 KiB of stack in a debug build: the 2 MiB of a default
/// thread overflow past about 220 levels of nested Python calls. The size is
/// reserved address space; only the pages used are ever committed.
pub const ANALYSIS_STACK_SIZE: usize = 64 * 1024 * 1024;

/// Runs `work` on `threads` threads with [`ANALYSIS_STACK_SIZE`] stacks and
/// waits for them; on the calling thread if none can be started.
pub fn on_analysis_threads<F: Fn() + Sync>(threads: usize, work: F) {
    std::thread::scope(|scope| {
        let started = (0..threads.max(1))
            .filter(|_| {
                let thread = std::thread::Builder::new().stack_size(ANALYSIS_STACK_SIZE);
                thread.spawn_scoped(scope, &work).is_ok()
            })
            .count();
        if started == 0 {
            work();
        }
    });
}

/// Runs `work` on a thread with an [`ANALYSIS_STACK_SIZE`] stack and
/// returns what it returns; on the calling thread if none can be started.
/// For work over the whole project (routes, reachability) that recurses
/// over user code and would otherwise run on the main thread's 8 MiB.
pub fn on_large_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    let mut work = Some(work);
    let mut out = None;
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new().stack_size(ANALYSIS_STACK_SIZE);
        let spawned = thread.spawn_scoped(scope, || work.take().map(|w| w()));
        if let Ok(handle) = spawned {
            match handle.join() {
                Ok(value) => out = value,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    match (out, work) {
        (Some(value), _) => value,
        (None, Some(work)) => work(),
        (None, None) => unreachable!("the work ran on the thread or is still here"),
    }
}

/// Where a file's work stopped when its budget ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Parsing,
    /// Building the IR from the syntax tree.
    Lowering,
    /// Extracting facts and running the file's rules.
    Analysis,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Parsing => "parsing",
            Phase::Lowering => "lowering",
            Phase::Analysis => "analysis",
        }
    }
}

/// Which bound a file's work ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exhausted {
    /// The wall-clock budget (`[scan] file_time_budget`).
    Time,
    /// The counted steps allowed for a file of its size.
    Steps,
}

/// A file whose work ran past its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget {
    pub time: Duration,
    /// The steps the file was allowed.
    pub steps: u64,
    pub phase: Phase,
    pub exhausted: Exhausted,
}

impl OverBudget {
    /// Parsing and lowering build what the analysis reads: stopped there, the
    /// file is not analysed at all. Stopped during the analysis, what was
    /// found before stands and the file is analysed in part.
    pub fn keeps_facts(&self) -> bool {
        self.phase == Phase::Analysis
    }
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outcome = if self.keeps_facts() { "analysed in part" } else { "not analysed" };
        match self.exhausted {
            Exhausted::Time => write!(
                f,
                "ran past the {} time budget (scan.file_time_budget) during {}; {outcome}",
                format_duration(self.time),
                self.phase.as_str()
            ),
            Exhausted::Steps => write!(
                f,
                "used up its work budget of {} steps (scan.max_analysis_steps, or 200,000 + 20 per byte) during {}; {outcome}",
                self.steps,
                self.phase.as_str()
            ),
        }
    }
}

/// The work one file may cost: a wall-clock budget and a count of steps.
///
/// Every loop and every recursion over the file's code draws from it:
/// lowering and the parser's progress callback read the clock now and then
/// ([`Budget::tick`]); the analysis also counts its steps ([`Budget::step`])
/// against an allowance proportional to the file's size
/// ([`Budget::allow_steps_for`]), so that a shape of code that would cost
/// more than linear work stops early and the same way on every machine,
/// whatever its speed. Once spent, the budget stays spent and every later
/// step says stop.
///
/// One budget serves one file on one thread (it is not `Sync`).
#[derive(Debug)]
pub struct Budget {
    started: Instant,
    time: Duration,
    ticks: Cell<u32>,
    allowed: Cell<u64>,
    spent: Cell<u64>,
    expired: Cell<Option<(Phase, Exhausted)>>,
}

/// How many [`Budget::tick`] calls share one reading of the clock. A step
/// of lowering or analysis costs well under a microsecond, so the budget is
/// noticed within a fraction of a millisecond of passing.
const TICKS_PER_CHECK: u32 = 256;

/// Analysis steps every file may take, whatever its size.
pub const BASE_STEPS: u64 = 200_000;

/// Analysis steps per byte of source on top of [`BASE_STEPS`]. Linear
/// analysis takes a few steps per byte (docs/PERFORMANCE.md has the
/// figures from the corpus); the allowance is far above that, so only a
/// shape the analysis cannot handle in linear time reaches it.
pub const STEPS_PER_BYTE: u64 = 20;

impl Budget {
    /// A budget of `time` from now, with no limit on steps until
    /// [`Budget::allow_steps_for`] sets one.
    pub fn start(time: Duration) -> Budget {
        Budget {
            started: Instant::now(),
            time,
            ticks: Cell::new(0),
            allowed: Cell::new(u64::MAX),
            spent: Cell::new(0),
            expired: Cell::new(None),
        }
    }

    /// Allows the steps a file of `bytes` bytes may take, at most `cap`
    /// (`[scan] max_analysis_steps`).
    pub fn allow_steps_for(&self, bytes: usize, cap: Option<u64>) {
        let proportional = BASE_STEPS.saturating_add(STEPS_PER_BYTE.saturating_mul(bytes as u64));
        self.allowed.set(cap.map_or(proportional, |cap| cap.min(proportional)));
    }

    /// Allows exactly `steps` steps (tests use small allowances).
    pub fn allow_steps(&self, steps: u64) {
        self.allowed.set(steps);
    }

    pub fn time(&self) -> Duration {
        self.time
    }

    /// The analysis steps taken so far.
    pub fn spent(&self) -> u64 {
        self.spent.get()
    }

    /// Whether the budget is spent, reading the clock only now and then;
    /// `phase` is recorded as where the work stopped.
    pub fn tick(&self, phase: Phase) -> bool {
        if self.expired.get().is_some() {
            return true;
        }
        let ticks = self.ticks.get().wrapping_add(1);
        self.ticks.set(ticks);
        ticks.is_multiple_of(TICKS_PER_CHECK) && self.check(phase)
    }

    /// Takes one step of analysis: true when the work must stop (the steps
    /// or the time are used up).
    pub fn step(&self) -> bool {
        let spent = self.spent.get() + 1;
        self.spent.set(spent);
        if spent > self.allowed.get() {
            if self.expired.get().is_none() {
                self.expired.set(Some((Phase::Analysis, Exhausted::Steps)));
            }
            return true;
        }
        self.tick(Phase::Analysis)
    }

    /// Whether the budget is spent, reading the clock.
    pub fn check(&self, phase: Phase) -> bool {
        if self.expired.get().is_some() {
            return true;
        }
        if self.started.elapsed() > self.time {
            self.expired.set(Some((phase, Exhausted::Time)));
            return true;
        }
        false
    }

    /// What ran out and where, once the budget has been found spent.
    pub fn over_budget(&self) -> Option<OverBudget> {
        self.expired.get().map(|(phase, exhausted)| OverBudget {
            time: self.time,
            steps: self.allowed.get(),
            phase,
            exhausted,
        })
    }
}

/// Parses `"10s"`, `"2.5 s"`, `"500ms"`, `"1m"`: a number and a unit (`ms`,
/// `s`, `m`). A bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let split = trimmed.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration `{text}`: expected a number and a unit, e.g. \"10s\" or \"500ms\""))?;
    let seconds = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "s" | "sec" | "secs" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        other => return Err(format!("invalid duration unit `{other}` in `{text}` (use ms, s or m)")),
    };
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 86_400.0 {
        return Err(format!("invalid duration `{text}`: expected more than 0 and at most a day"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A duration as it would be written in the configuration: `10s`, `500ms`, `2.5s`.
pub fn format_duration(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms < 1000 || (!ms.is_multiple_of(1000) && !ms.is_multiple_of(100)) {
        format!("{ms}ms")
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

/// Parses a nesting depth for the configuration or the command line.
pub fn parse_nesting_depth(text: &str) -> Result<u32, String> {
    let depth: u32 = text.trim().parse().map_err(|_| format!("invalid nesting depth `{text}`: expected a number"))?;
    check_nesting_depth(depth)
}

/// A nesting depth must be at least 1 and at most [`MAX_NESTING_DEPTH_LIMIT`].
pub fn check_nesting_depth(depth: u32) -> Result<u32, String> {
    if (1..=MAX_NESTING_DEPTH_LIMIT).contains(&depth) {
        Ok(depth)
    } else {
        Err(format!("invalid nesting depth {depth}: expected 1 to {MAX_NESTING_DEPTH_LIMIT}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_and_print() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("2.5 s"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert_eq!(format_duration(Duration::from_secs(10)), "10s");
        assert_eq!(format_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(format_duration(Duration::from_millis(2500)), "2.5s");
        assert_eq!(format_duration(Duration::from_millis(1)), "1ms");
    }

    #[test]
    fn nesting_depths_are_bounded() {
        assert_eq!(parse_nesting_depth("200"), Ok(200));
        assert!(parse_nesting_depth("0").is_err());
        assert!(parse_nesting_depth("100000").is_err());
        assert!(parse_nesting_depth("deep").is_err());
    }

    #[test]
    fn a_budget_stays_past() {
        let budget = Budget::start(Duration::from_nanos(1));
        std::thread::sleep(Duration::from_millis(1));
        assert!(budget.check(Phase::Lowering));
        assert!(budget.tick(Phase::Analysis));
        let over = budget.over_budget().map(|o| (o.phase, o.exhausted));
        assert_eq!(over, Some((Phase::Lowering, Exhausted::Time)));
        let generous = Budget::start(Duration::from_secs(3600));
        assert!(!(0..1000).any(|_| generous.tick(Phase::Analysis)));
        assert_eq!(generous.over_budget(), None);
    }

    #[test]
    fn steps_run_out_and_stay_out() {
        let budget = Budget::start(Duration::from_secs(3600));
        budget.allow_steps(10);
        assert!(!(0..10).any(|_| budget.step()));
        assert!(budget.step());
        assert!(budget.tick(Phase::Analysis));
        let over = budget.over_budget().expect("spent");
        assert_eq!((over.phase, over.exhausted, over.steps), (Phase::Analysis, Exhausted::Steps, 10));
        assert!(over.keeps_facts());
        assert!(over.to_string().contains("work budget of 10 steps"), "{over}");
    }
}
