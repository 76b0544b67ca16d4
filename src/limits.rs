//! The bounds on the work one file may cost: how deep its expressions are
//! followed, and how long its parse and analysis may take.
//!
//! Both are configured (`[scan] max_nesting_depth`, `[scan] file_time_budget`,
//! and the matching command-line flags) and honoured the same way by `scan`
//! and the language server, through the [`Engine`](crate::engine::Engine).
//!
//! The time budget is enforced by cooperation, never by killing a thread:
//! the parser's progress callback and the loops of lowering and analysis
//! ask a [`Deadline`] whether time is up, and stop at the next step when it
//! is. A file that runs out of time is skipped and reported with its budget;
//! what was computed for it before the deadline is thrown away, so a report
//! never shows half a file's findings as if they were all of them.

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

/// Where a file's work stopped when its time ran out.
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

/// A file whose work ran past its time budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget {
    pub budget: Duration,
    pub phase: Phase,
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "parse and analysis ran past the {} time budget (scan.file_time_budget), during {}; not analysed",
            format_duration(self.budget),
            self.phase.as_str()
        )
    }
}

/// When one file's work must stop. Reading the clock costs tens of
/// nanoseconds, so the loops call [`Deadline::tick`], which reads it once
/// every [`TICKS_PER_CHECK`] calls; once past, the deadline stays past.
///
/// One deadline serves one file on one thread (it is not `Sync`).
#[derive(Debug)]
pub struct Deadline {
    started: Instant,
    budget: Duration,
    ticks: Cell<u32>,
    expired: Cell<Option<Phase>>,
}

/// How many [`Deadline::tick`] calls share one reading of the clock. A step
/// of lowering or analysis costs well under a microsecond, so the deadline is
/// noticed within a fraction of a millisecond of passing.
const TICKS_PER_CHECK: u32 = 256;

impl Deadline {
    /// A deadline `budget` from now.
    pub fn start(budget: Duration) -> Deadline {
        Deadline { started: Instant::now(), budget, ticks: Cell::new(0), expired: Cell::new(None) }
    }

    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// Whether the time is up, reading the clock only now and then; `phase`
    /// is recorded as where the work stopped.
    pub fn tick(&self, phase: Phase) -> bool {
        if self.expired.get().is_some() {
            return true;
        }
        let ticks = self.ticks.get().wrapping_add(1);
        self.ticks.set(ticks);
        ticks.is_multiple_of(TICKS_PER_CHECK) && self.check(phase)
    }

    /// Whether the time is up, reading the clock.
    pub fn check(&self, phase: Phase) -> bool {
        if self.expired.get().is_some() {
            return true;
        }
        if self.started.elapsed() > self.budget {
            self.expired.set(Some(phase));
            return true;
        }
        false
    }

    /// The budget and the phase, once the deadline has been found past.
    pub fn over_budget(&self) -> Option<OverBudget> {
        self.expired.get().map(|phase| OverBudget { budget: self.budget, phase })
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
    fn a_deadline_stays_past() {
        let deadline = Deadline::start(Duration::from_nanos(1));
        std::thread::sleep(Duration::from_millis(1));
        assert!(deadline.check(Phase::Lowering));
        assert!(deadline.tick(Phase::Analysis));
        assert_eq!(
            deadline.over_budget(),
            Some(OverBudget { budget: Duration::from_nanos(1), phase: Phase::Lowering })
        );
        let generous = Deadline::start(Duration::from_secs(3600));
        assert!(!(0..1000).any(|_| generous.tick(Phase::Analysis)));
        assert_eq!(generous.over_budget(), None);
    }
}
