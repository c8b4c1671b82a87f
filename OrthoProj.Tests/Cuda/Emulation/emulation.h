// Shared declarations of the host emulation of the CUDA driver, cuBLAS and cuSOLVER (see
// fake_cuda.cpp for the overview and docs/cuda.md, "The emulation's asynchronous mode").
//
//   scheduler.cpp  contexts, streams, events, the queues and the seeded scheduler, vector clocks
//   hazards.cpp    allocations, their access histories and init shadows, the hazard log
//   fake_cuda.cpp  the kernels of cuda/ compiled as host C++ and the driver entry points
//   libraries.cpp  cuBLAS and cuSOLVER (naive loops and reference LAPACK) on the handle's stream
#pragma once
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#define EXPORT extern "C" __attribute__((visibility("default")))

namespace emu {

// ------------------------------------------------------------------ vector clocks
// A participant is the host (id 0) or one stream (ids from 1, never reused). A clock maps
// participants to the last epoch of theirs that is known to have happened before; sparse, sorted.
struct Clock
{
    std::vector<std::pair<int, uint64_t>> v;
    uint64_t Get(int p) const;
    void Set(int p, uint64_t e);
    void Join(const Clock& o);
    void Erase(int p);
};

// ------------------------------------------------------------------ allocations and accesses
struct Context;
struct Alloc
{
    uintptr_t base = 0;
    size_t size = 0;
    bool pinned = false;                 // cuMemHostAlloc (host memory) rather than device memory
    bool pseudo = false;                 // the one stand-in for all pageable host memory
    Context* ctx = nullptr;
    std::string origin;                  // "cuMemAlloc_v2 #12 (2048 bytes)"
    bool freed = false;
    uint64_t freedAtSeq = 0;             // the issue counter when cuMemFree was called
    int pendingOps = 0;                  // enqueued, not yet run, ops known to touch it
    std::string pendingName;             // the latest of them
    std::vector<uint8_t> written;        // one byte per 4-byte word: ever written (device memory only)
    int64_t maxWrittenWord = -1;
    struct Entry { uintptr_t lo, hi; uint64_t epoch; bool write; std::string what; };
    std::map<int, std::vector<Entry>> history;   // participant -> its latest accesses
    std::string Describe() const;
};

// What one op does to memory: [ptr, ptr + bytes) read and/or written (bytes 0: to the end of the
// allocation, when the extent is unknown, as for a kernel's pointer parameters).
struct Access { const void* ptr; size_t bytes; bool read; bool write; bool checkInit; };

// ------------------------------------------------------------------ contexts, streams, events, ops
struct Stream;
struct Context { void* handle; int device; bool foreign; Stream* legacy = nullptr; std::map<uint64_t, Stream*> perThread; };
struct Op
{
    uint64_t seq = 0;
    std::string what;                    // "cuLaunchKernel(qr_rank_f32)"
    Stream* stream = nullptr;
    Clock clock;                         // what happened before it (fixed at enqueue)
    uint64_t epoch = 0;                  // its own epoch on its stream
    std::vector<std::shared_ptr<Op>> deps;   // ops that must have run first (events, legacy ordering)
    std::vector<Alloc*> known;           // allocations it touches, known at enqueue (for free checks)
    std::function<int(Op&)> run;         // returns a CUresult-like error code (0 ok)
    bool done = false;
};
struct Stream
{
    int id = 0;                          // participant id
    Context* ctx = nullptr;
    bool blocking = true;                // false: CU_STREAM_NON_BLOCKING (not ordered with the legacy stream)
    bool legacy = false;
    bool destroyed = false;
    std::string name;
    std::deque<std::shared_ptr<Op>> queue;    // not yet run, in issue order
    Clock clock;                         // the clock of its latest op
    uint64_t epoch = 0;
    std::shared_ptr<Op> last;            // latest op issued (run or not)
    uint64_t coveredAtSeq = 0;           // destroyed, drained and known to the host by then (0: not yet)
};
struct Event { Context* ctx = nullptr; std::shared_ptr<Op> marker; Clock clock; bool recorded = false; };

// The one lock over all emulation state: every entry point holds it (ops run under it too).
std::recursive_mutex& Lock();
bool AsyncMode();
struct Api
{
    std::lock_guard<std::recursive_mutex> hold;
    explicit Api(const char* name);      // locks, and in async mode may run some ready ops (seeded)
};

// Scheduler (scheduler.cpp)
Context* CurrentContext();
Context* PrimaryContext(int device);
Context* ForeignContext();
Context* FromHandle(void* handle);        // unknown non-null handles are made-up foreign contexts
void SetCurrent(Context* c);
Stream* ResolveStream(void* handle, Context* ctx);     // 0 / 0x1 legacy, 0x2 per-thread, else a created stream
Stream* CreateStream(Context* ctx, bool blocking);
void DestroyStream(Stream* s);
bool IsStream(void* handle);
// Enqueues op on s (or runs it at once in sync mode); checks that s belongs to the current context
// when checkContext. Returns the op.
// The accesses in known are checked (Touch) when the op runs, before run; run may Touch more
// (what a pointer array names, for instance). waitFor: an event the op waits for (cuStreamWaitEvent).
// before: run first when the op runs, ahead of the accesses' bookkeeping (initialization checks of
// memory the op also writes).
std::shared_ptr<Op> Enqueue(Stream* s, std::string what, std::vector<Access> known, std::function<int(Op&)> run, bool checkContext, const Event* waitFor = nullptr, std::function<void(Op&)> before = nullptr);
const Clock& HostClock();
int HostAccessEpoch();                   // a fresh host epoch for a host-side access
void HostJoin(const Clock& c);
int RunUntilDone(const std::shared_ptr<Op>& target);     // host waits for one op (and what it needs)
int SyncStream(Stream* s);
void DrainAll();
int SyncContext(Context* ctx);
void RecordEvent(Event* e, Stream* s);
void WaitEvent(Stream* s, Event* e);
int TakeStickyError();
void RegisterEvent(Event* e);
void UnregisterEvent(Event* e);
bool QueuesEmpty();
uint64_t CurrentSeq();                   // ops issued so far
uint64_t OldestPendingSeq();             // the issue number of the oldest op not yet run (UINT64_MAX: none)

// Hazards and allocations (hazards.cpp)
void Hazard(const std::string& kind, const std::string& text);
Alloc* NewAlloc(void* p, size_t bytes, bool pinned, const char* call);
Alloc* FindAlloc(const void* p, bool includeFreed = false);     // the allocation containing p
Alloc* PageableHost();
// Checks and records one access by the participant with that clock (at the time the op runs or, for
// the host, at call time): races with other participants, reads of never-written memory, use after free.
void Touch(int participant, uint64_t epoch, const Clock& clock, const std::string& what, const void* p, size_t bytes, bool read, bool write, bool checkInit);
// Host-memory access (pinned or pageable) by an op or the host.
void TouchHost(int participant, uint64_t epoch, const Clock& clock, const std::string& what, const void* p, size_t bytes, bool read, bool write);
void FreeAlloc(Alloc* a, const char* call);
void ReleaseGraveyard();                 // frees what cuMemFree deferred, once no op issued before the free remains queued
void ForgetParticipant(int id);
void MarkWritten(Alloc* a, uintptr_t lo, uintptr_t hi);
void CopyShadow(const void* dst, const void* src, size_t bytes);   // a device-to-device copy carries "never written" along
// Reads of never-written device memory in [p, p + bytes), checked without recording an access (for
// the exact columns of a matrix whose race bookkeeping covers its whole span).
void CheckInit(const std::string& what, const void* p, size_t bytes);
// A checked API contract: records the hazard naming the call; returns false when violated.
bool Contract(bool holds, const std::string& call, const std::string& text);

// Counters (fake_cuda.cpp)
struct Counters { long long allocs, frees, syncs, library, launches, contextSets; };
extern Counters g_count;

std::string Hex(const void* p);
}  // namespace emu
