using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Risk;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Accounts;

/// <summary>One entry of an account's recent history (for queries and risk rules).</summary>
/// <param name="DeltaMinor">Signed effect on the balance: positive for credits; 0 for a decline.</param>
public sealed record RecentTransaction(
    string TransactionId,
    TransactionType Type,
    long AmountMinor,
    long DeltaMinor,
    TransactionStatus Status,
    string? Counterparty,
    long EventTimeMs);

/// <summary>A credit received from another account's TRANSFER (a signal risk rules read on the payee).</summary>
public sealed record IncomingTransfer(string TransferId, string PayerId, long AmountMinor, long EventTimeMs, long PayerBalanceBeforeMinor);

/// <summary>A TRANSFER debited here whose credit on the payee is not yet confirmed: the outbox.</summary>
public sealed record PendingTransfer(string TransferId, string PayeeId, long AmountMinor, string Currency, long EventTimeMs, long PayerBalanceBeforeMinor);

/// <summary>What the account remembers of a processed transaction id.</summary>
public sealed record ProcessedTransaction(ulong Fingerprint, TransactionStatus Status, RejectCode Code, string? Reason, long BalanceAfterMinor, IReadOnlyList<RuleHit> Rules);

/// <summary>The result of deciding a command: events to persist (possibly none) and the reply.</summary>
public sealed record Decision(IReadOnlyList<IAccountEvent> Events, TransactionOutcome Outcome);

/// <summary>The payee's answer to a transfer credit.</summary>
public sealed record CreditDecision(IReadOnlyList<IAccountEvent> Events, bool Accepted, string? Reason);

/// <summary>Read model of an account, as the ask API returns it.</summary>
public sealed record AccountView(
    string AccountId,
    bool IsOpen,
    string? Currency,
    long BalanceMinor,
    long OverdraftLimitMinor,
    long Version,
    int PendingTransfers,
    IReadOnlyList<RecentTransaction> Recent);

/// <summary>
/// Event-sourced state of one account. <see cref="Decide(TransactionRequest, IRiskEvaluator)"/> is pure: it
/// returns events and the reply without changing anything; <see cref="Apply"/> folds one event in.
/// Collections are mutated in place for speed (each instance has one owner); use <see cref="Copy"/> for a
/// copy, <see cref="ToSnapshot"/>/<see cref="FromSnapshot"/> to persist one.
/// </summary>
public sealed class AccountState
{
    private readonly AccountPolicy _policy;

    // Collections are created on first use: a node holds many accounts that have seen one or two
    // transactions, and ten empty collections per state were most of such an account's memory.
    private Dictionary<string, ProcessedTransaction>? _processed;
    private Queue<string>? _processedOrder;
    private HashSet<string>? _creditedTransfers;
    private Queue<string>? _creditedOrder;
    private Dictionary<string, PendingTransfer>? _outbox;
    private Queue<RecentTransaction>? _recent;
    private Queue<IncomingTransfer>? _incoming;
    private HashSet<string>? _knownPayees;
    private Queue<string>? _knownPayeeOrder;

    public AccountState(string accountId, AccountPolicy? policy = null)
    {
        AccountId = accountId;
        _policy = policy ?? AccountPolicy.Default;
    }

    public string AccountId { get; }
    public bool IsOpen => Currency is not null;
    public Currency? Currency { get; private set; }
    public long BalanceMinor { get; private set; }
    public long OverdraftLimitMinor { get; private set; }

    /// <summary>Number of events applied so far (the account's version).</summary>
    public long Version { get; private set; }

    public AccountPolicy Policy => _policy;
    public IReadOnlyCollection<RecentTransaction> Recent => (IReadOnlyCollection<RecentTransaction>?)_recent ?? [];
    public IReadOnlyCollection<IncomingTransfer> IncomingTransfers => (IReadOnlyCollection<IncomingTransfer>?)_incoming ?? [];
    public IReadOnlyCollection<PendingTransfer> Outbox => (IReadOnlyCollection<PendingTransfer>?)_outbox?.Values ?? [];
    public IReadOnlySet<string> KnownPayees => (IReadOnlySet<string>?)_knownPayees ?? NoPayees;
    public int RememberedTransactionIds => _processed?.Count ?? 0;

    private static readonly IReadOnlySet<string> NoPayees = new HashSet<string>(StringComparer.Ordinal);

    public bool TryGetProcessed(string transactionId, out ProcessedTransaction processed)
    {
        if (_processed is not null && _processed.TryGetValue(transactionId, out var found))
        {
            processed = found;
            return true;
        }

        processed = null!;
        return false;
    }

    public bool HasCreditedTransfer(string transferId) => _creditedTransfers?.Contains(transferId) ?? false;

    public AccountView ToView() => new(AccountId, IsOpen, Currency?.Code, BalanceMinor, OverdraftLimitMinor, Version, _outbox?.Count ?? 0,
        _recent is null ? [] : _recent.Reverse().ToArray());

    // ---------------------------------------------------------------- decisions

    /// <summary>Opens the account explicitly. Opening again with the same terms is a no-op.</summary>
    public (IReadOnlyList<IAccountEvent> Events, RejectReason? Rejection) DecideOpen(string currencyCode, long overdraftLimitMinor, long openingBalanceMinor, long eventTimeMs)
    {
        if (!Domain.Currency.TryFind(currencyCode, out var currency, out var error))
        {
            return ([], new RejectReason(RejectCode.InvalidField, error));
        }

        if (overdraftLimitMinor < 0)
        {
            return ([], new RejectReason(RejectCode.InvalidField, "overdraftLimit: must not be negative"));
        }

        if (openingBalanceMinor < 0)
        {
            return ([], new RejectReason(RejectCode.InvalidField, "openingBalance: must not be negative"));
        }

        if (IsOpen)
        {
            return Currency == currency && OverdraftLimitMinor == overdraftLimitMinor
                ? ([], null)
                : ([], new RejectReason(RejectCode.AlreadyOpen, $"accountId: '{AccountId}' is already open in {Currency}"));
        }

        return ([new AccountOpened(AccountId, currency.Code, overdraftLimitMinor, openingBalanceMinor, eventTimeMs)], null);
    }

    /// <summary>Decides a transaction addressed to this account. Pure: the state is not changed.</summary>
    /// <param name="eventTime">
    /// The node's event-time bounds (<see cref="EventTimeRules"/>): a new transaction outside them is rejected with field
    /// <c>timestamp</c>, whatever entry point it came through; a duplicate still gets its original outcome. Null: no check.
    /// </param>
    public Decision Decide(TransactionRequest request, IRiskEvaluator? risk = null, EventTimeBounds? eventTime = null)
    {
        var rejection = TransactionValidation.Validate(request, out var currency);
        if (rejection is not null)
        {
            return Reject(request, rejection);
        }

        if (!string.Equals(request.AccountId, AccountId, StringComparison.Ordinal))
        {
            return Reject(request, new RejectReason(RejectCode.InvalidField, $"accountId: '{request.AccountId}' was routed to account '{AccountId}'"));
        }

        var fingerprint = request.Fingerprint();
        if (TryGetProcessed(request.TransactionId, out var seen))
        {
            if (seen.Fingerprint != fingerprint)
            {
                return Reject(request, new RejectReason(RejectCode.IdConflict,
                    $"transactionId: '{request.TransactionId}' was already used for a different transaction"));
            }

            return new Decision([], new TransactionOutcome(request.TransactionId, seen.Status, true, seen.Code, seen.Reason,
                seen.BalanceAfterMinor, Currency?.Code, seen.Rules));
        }

        if (eventTime?.Check(request.EventTimeMs) is { } refused)
        {
            return Reject(request, new RejectReason(RejectCode.InvalidField, refused));
        }

        var events = new List<IAccountEvent>(2);
        var balance = BalanceMinor;
        var overdraft = OverdraftLimitMinor;
        if (!IsOpen)
        {
            var opening = request.OpeningBalanceMinor ?? 0;
            overdraft = request.OpeningOverdraftMinor ?? _policy.DefaultOverdraftLimitMinor;
            balance = opening;
            events.Add(new AccountOpened(AccountId, currency.Code, overdraft, opening, request.EventTimeMs));
        }
        else if (Currency != currency)
        {
            return Reject(request, new RejectReason(RejectCode.CurrencyMismatch,
                $"currency: {currency.Code} does not match the account's currency {Currency}"));
        }

        long after;
        if (request.Type.IsCredit())
        {
            if (!TryAdd(balance, request.AmountMinor, out after))
            {
                return Reject(request, new RejectReason(RejectCode.BalanceOverflow, "amount: the credit would overflow the balance"));
            }
        }
        else
        {
            after = balance - request.AmountMinor; // both operands within long range and amount > 0: no overflow below -2^63 unless balance is extreme
            if (balance < long.MinValue + request.AmountMinor || after < -overdraft)
            {
                var available = Money.FormatMinor(balance + overdraft, currency.Exponent);
                return DeclineWith(events, request, fingerprint, balance, RejectCode.InsufficientFunds,
                    $"amount: {Money.FormatMinor(request.AmountMinor, currency.Exponent)} {currency.Code} exceeds the available {available} (balance + overdraft limit)", []);
            }
        }

        var assessment = RiskAssessment.Clean;
        if (risk is not null)
        {
            // Rules see the account as it is before this transaction (opening included).
            assessment = events.Count == 0 ? risk.Evaluate(this, request) : risk.Evaluate(Preview(events), request);
        }

        if (assessment.Action == RiskAction.Decline)
        {
            return DeclineWith(events, request, fingerprint, balance, RejectCode.RiskDeclined,
                "risk: " + string.Join("; ", assessment.Hits.Select(h => h.ToString())), assessment.Hits);
        }

        var flagged = assessment.Action == RiskAction.Flag;
        events.Add(new TransactionApproved(request.TransactionId, request.Type, request.AmountMinor, request.Counterparty,
            request.EventTimeMs, fingerprint, flagged, assessment.Hits, currency.Code));
        return new Decision(events, new TransactionOutcome(request.TransactionId,
            flagged ? TransactionStatus.Flagged : TransactionStatus.Approved, false, RejectCode.None,
            flagged ? "risk: " + string.Join("; ", assessment.Hits.Select(h => h.ToString())) : null,
            after, currency.Code, assessment.Hits));
    }

    /// <summary>Payee side of a transfer: credit once per transfer id, refuse with a reason otherwise.</summary>
    public CreditDecision DecideCredit(string transferId, string payerId, long amountMinor, string currencyCode, long eventTimeMs, long payerBalanceBeforeMinor)
    {
        if (HasCreditedTransfer(transferId))
        {
            return new CreditDecision([], true, null); // already credited: acknowledge again, apply nothing
        }

        if (!Domain.Currency.TryFind(currencyCode, out var currency, out var error))
        {
            return new CreditDecision([], false, error);
        }

        if (amountMinor <= 0)
        {
            return new CreditDecision([], false, "amount: must be greater than zero");
        }

        var events = new List<IAccountEvent>(2);
        var balance = BalanceMinor;
        if (!IsOpen)
        {
            events.Add(new AccountOpened(AccountId, currency.Code, _policy.DefaultOverdraftLimitMinor, 0, eventTimeMs));
            balance = 0;
        }
        else if (Currency != currency)
        {
            return new CreditDecision([], false, $"currency: {currency.Code} does not match the payee's currency {Currency}");
        }

        if (!TryAdd(balance, amountMinor, out _))
        {
            return new CreditDecision([], false, "amount: the credit would overflow the payee's balance");
        }

        events.Add(new TransferCredited(transferId, payerId, amountMinor, eventTimeMs, payerBalanceBeforeMinor));
        return new CreditDecision(events, true, null);
    }

    /// <summary>Payer side: the payee answered. Returns the event to persist, or null if the transfer is no longer pending.</summary>
    public IAccountEvent? DecideSettlement(string transferId, bool credited, string? reason)
    {
        if (_outbox is null || !_outbox.TryGetValue(transferId, out var pending))
        {
            return null; // a repeated answer for a settled transfer
        }

        return credited
            ? new TransferSettled(transferId)
            : new TransferReversed(transferId, pending.AmountMinor, reason ?? "payee refused the credit");
    }

    private AccountState Preview(List<IAccountEvent> events)
    {
        var copy = Copy();
        foreach (var e in events)
        {
            copy.Apply(e);
        }

        return copy;
    }

    private Decision Reject(TransactionRequest request, RejectReason reason) =>
        new([], TransactionOutcome.Rejected(request.TransactionId ?? "", reason, BalanceMinor, Currency?.Code));

    private Decision DeclineWith(List<IAccountEvent> events, TransactionRequest request, ulong fingerprint, long balance, RejectCode code, string reason, IReadOnlyList<RuleHit> rules)
    {
        events.Add(new TransactionDeclined(request.TransactionId, request.Type, request.AmountMinor, request.Counterparty,
            request.EventTimeMs, fingerprint, code, reason, rules, Currency?.Code ?? request.CurrencyCode));
        return new Decision(events, new TransactionOutcome(request.TransactionId, TransactionStatus.Declined, false, code, reason,
            balance, Currency?.Code ?? request.CurrencyCode, rules));
    }

    private static bool TryAdd(long a, long b, out long sum)
    {
        sum = unchecked(a + b);
        return !(((a ^ sum) & (b ^ sum)) < 0);
    }

    // ---------------------------------------------------------------- events

    /// <summary>Folds one event into the state and returns it (the same instance).</summary>
    public AccountState Apply(IAccountEvent @event)
    {
        switch (@event)
        {
            case AccountOpened e:
                Currency = Domain.Currency.Of(e.Currency);
                OverdraftLimitMinor = e.OverdraftLimitMinor;
                BalanceMinor = e.OpeningBalanceMinor;
                break;

            case TransactionApproved e:
                var delta = e.Type.IsCredit() ? e.AmountMinor : -e.AmountMinor;
                var before = BalanceMinor;
                BalanceMinor = checked(BalanceMinor + delta);
                if (e.Type == TransactionType.Transfer && e.Counterparty is not null)
                {
                    (_outbox ??= new(StringComparer.Ordinal))[e.TransactionId] = new PendingTransfer(e.TransactionId, e.Counterparty, e.AmountMinor, Currency!.Code, e.EventTimeMs, before);
                    RememberPayee(e.Counterparty);
                }

                RememberProcessed(e.TransactionId, new ProcessedTransaction(e.Fingerprint,
                    e.Flagged ? TransactionStatus.Flagged : TransactionStatus.Approved, RejectCode.None,
                    e.Flagged ? "risk: " + string.Join("; ", e.Rules.Select(h => h.ToString())) : null, BalanceMinor, e.Rules));
                AddRecent(new RecentTransaction(e.TransactionId, e.Type, e.AmountMinor, delta,
                    e.Flagged ? TransactionStatus.Flagged : TransactionStatus.Approved, e.Counterparty, e.EventTimeMs));
                break;

            case TransactionDeclined e:
                RememberProcessed(e.TransactionId, new ProcessedTransaction(e.Fingerprint, TransactionStatus.Declined, e.Code, e.Reason, BalanceMinor, e.Rules));
                AddRecent(new RecentTransaction(e.TransactionId, e.Type, e.AmountMinor, 0, TransactionStatus.Declined, e.Counterparty, e.EventTimeMs));
                break;

            case TransferCredited e:
                BalanceMinor = checked(BalanceMinor + e.AmountMinor);
                (_creditedTransfers ??= new(StringComparer.Ordinal)).Add(e.TransferId);
                (_creditedOrder ??= new()).Enqueue(e.TransferId);
                while (_creditedOrder.Count > _policy.DedupeRetention)
                {
                    _creditedTransfers.Remove(_creditedOrder.Dequeue());
                }

                (_incoming ??= new()).Enqueue(new IncomingTransfer(e.TransferId, e.PayerId, e.AmountMinor, e.EventTimeMs, e.PayerBalanceBeforeMinor));
                while (_incoming.Count > _policy.RecentCount)
                {
                    _incoming.Dequeue();
                }

                AddRecent(new RecentTransaction(e.TransferId, TransactionType.Transfer, e.AmountMinor, e.AmountMinor, TransactionStatus.Approved, e.PayerId, e.EventTimeMs));
                break;

            case TransferSettled e:
                _outbox?.Remove(e.TransferId);
                break;

            case TransferReversed e:
                if (_outbox is not null && _outbox.Remove(e.TransferId))
                {
                    BalanceMinor = checked(BalanceMinor + e.AmountMinor);
                }

                break;

            default:
                throw new ArgumentException($"event: {@event.GetType().Name} is not an account event", nameof(@event));
        }

        Version++;
        return this;
    }

    private void RememberProcessed(string transactionId, ProcessedTransaction processed)
    {
        if ((_processed ??= new(StringComparer.Ordinal)).TryAdd(transactionId, processed))
        {
            (_processedOrder ??= new()).Enqueue(transactionId);
            while (_processedOrder.Count > _policy.DedupeRetention)
            {
                _processed.Remove(_processedOrder.Dequeue());
            }
        }
    }

    private void AddRecent(RecentTransaction recent)
    {
        (_recent ??= new()).Enqueue(recent);
        while (_recent.Count > _policy.RecentCount)
        {
            _recent.Dequeue();
        }
    }

    private void RememberPayee(string payee)
    {
        // Bounded like the rest: the payees first seen longest ago are forgotten first, in an order that
        // snapshots keep, so a restored account forgets exactly what the live one would have. A "new
        // payee" rule then errs on the side of flagging.
        if ((_knownPayees ??= new(StringComparer.Ordinal)).Add(payee))
        {
            (_knownPayeeOrder ??= new()).Enqueue(payee);
            while (_knownPayeeOrder.Count > _policy.DedupeRetention)
            {
                _knownPayees.Remove(_knownPayeeOrder.Dequeue());
            }
        }
    }

    // ---------------------------------------------------------------- snapshots

    /// <summary>An independent copy (the same as <c>FromSnapshot(ToSnapshot())</c>, without the round trip).</summary>
    public AccountState Copy() =>
        new(AccountId, _policy)
        {
            Currency = Currency,
            BalanceMinor = BalanceMinor,
            OverdraftLimitMinor = OverdraftLimitMinor,
            Version = Version,
            _processed = _processed is null ? null : new(_processed, StringComparer.Ordinal),
            _processedOrder = _processedOrder is null ? null : new(_processedOrder),
            _creditedTransfers = _creditedTransfers is null ? null : new(_creditedTransfers, StringComparer.Ordinal),
            _creditedOrder = _creditedOrder is null ? null : new(_creditedOrder),
            _outbox = _outbox is null ? null : new(_outbox, StringComparer.Ordinal),
            _recent = _recent is null ? null : new(_recent),
            _incoming = _incoming is null ? null : new(_incoming),
            _knownPayees = _knownPayees is null ? null : new(_knownPayees, StringComparer.Ordinal),
            _knownPayeeOrder = _knownPayeeOrder is null ? null : new(_knownPayeeOrder),
        };

    public AccountSnapshot ToSnapshot()
    {
        var processed = new ProcessedEntry[_processedOrder?.Count ?? 0];
        var i = 0;
        foreach (var id in _processedOrder ?? [])
        {
            processed[i++] = new ProcessedEntry(id, _processed![id]);
        }

        return new AccountSnapshot(
            AccountId,
            Currency?.Code,
            BalanceMinor,
            OverdraftLimitMinor,
            Version,
            processed,
            _creditedOrder?.ToArray() ?? [],
            _outbox?.Values.OrderBy(p => p.TransferId, StringComparer.Ordinal).ToArray() ?? [],
            _recent?.ToArray() ?? [],
            _incoming?.ToArray() ?? [],
            _knownPayeeOrder?.ToArray() ?? []);
    }

    public static AccountState FromSnapshot(AccountSnapshot s, AccountPolicy? policy = null)
    {
        var state = new AccountState(s.AccountId, policy)
        {
            Currency = s.Currency is null ? null : Domain.Currency.Of(s.Currency),
            BalanceMinor = s.BalanceMinor,
            OverdraftLimitMinor = s.OverdraftLimitMinor,
            Version = s.Version,
        };
        foreach (var p in s.Processed)
        {
            state.RememberProcessed(p.TransactionId, p.Processed);
        }

        foreach (var id in s.CreditedTransfers)
        {
            if ((state._creditedTransfers ??= new(StringComparer.Ordinal)).Add(id))
            {
                (state._creditedOrder ??= new()).Enqueue(id);
            }
        }

        foreach (var p in s.Outbox)
        {
            (state._outbox ??= new(StringComparer.Ordinal))[p.TransferId] = p;
        }

        foreach (var r in s.Recent)
        {
            (state._recent ??= new()).Enqueue(r);
        }

        foreach (var r in s.Incoming)
        {
            (state._incoming ??= new()).Enqueue(r);
        }

        foreach (var p in s.KnownPayees)
        {
            state.RememberPayee(p);
        }

        return state;
    }
}

public sealed record ProcessedEntry(string TransactionId, ProcessedTransaction Processed);

/// <summary>A full copy of an account's state, as persisted by the snapshot store.</summary>
public sealed record AccountSnapshot(
    string AccountId,
    string? Currency,
    long BalanceMinor,
    long OverdraftLimitMinor,
    long Version,
    IReadOnlyList<ProcessedEntry> Processed,
    IReadOnlyList<string> CreditedTransfers,
    IReadOnlyList<PendingTransfer> Outbox,
    IReadOnlyList<RecentTransaction> Recent,
    IReadOnlyList<IncomingTransfer> Incoming,
    IReadOnlyList<string> KnownPayees);
