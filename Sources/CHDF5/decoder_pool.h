#ifndef CHDF5_DECODER_POOL_H
#define CHDF5_DECODER_POOL_H

/* A small pool of decoding threads that lives for one read of a file.

   libhdf5 is not thread-safe, so a reader's thread does all of its libhdf5 work (opening objects, locating and
   reading raw chunks) alone; only inflating and scanning those bytes may run elsewhere. With the pool the reader
   hands each dataset's decoding over as a task and goes on to the next dataset's libhdf5 work at once, while the
   pool's threads inflate. A task that decodes chunks opens them to every idle thread of the pool (a "share"), so
   one large dataset still keeps every core busy. Before, every dataset started and joined its own threads (about
   60 per read of a VGG-16) and the second core idled whenever the reader's thread was in libhdf5.

   Tasks run in the order they were submitted; an idle thread first joins an open share (finishing the oldest
   dataset first), then starts the next task. Whoever waits for a task that has not started runs it itself, and
   while it waits for one that has, it joins open shares or starts queued tasks instead of sleeping. */

#include <pthread.h>
#include <stdlib.h>

typedef void (*chdf5_pool_run_fn)(void *context);
typedef void *(*chdf5_pool_work_fn)(void *job);

enum { chdf5_task_queued = 0, chdf5_task_running = 1, chdf5_task_done = 2, chdf5_task_dropped = 3 };

/* One submitted piece of work; the submitter owns it (chdf5_pool_task_new / free) and may free it once it has
   waited for it, dropped it, or closed the pool. */
typedef struct chdf5_pool_task {
    chdf5_pool_run_fn run;
    void *context;
    int state;
    struct chdf5_pool_task *next;
} chdf5_pool_task;

/* Work several threads may take part in at once: `work(job)` claims pieces until none is left, then returns. */
typedef struct chdf5_pool_share {
    chdf5_pool_work_fn work;
    void *job;
    int open;         /* joinable: no taker has returned yet (one that returns found nothing left to claim) */
    int participants; /* threads inside work(job) */
    struct chdf5_pool_share *next;
} chdf5_pool_share;

#define CHDF5_POOL_MAX_HELPERS 15

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;    /* helpers: a task or a share arrived, or the pool closes */
    pthread_cond_t changed; /* waiters: a task finished, or a share's last participant left */
    chdf5_pool_task *head, *tail;
    chdf5_pool_share *shares; /* open or still running, oldest first */
    int closing;
    int helper_count;
    pthread_t helpers[CHDF5_POOL_MAX_HELPERS];
} chdf5_pool;

/* Joins the oldest open share, if there is one (called with the lock held; returns with it held). 1 if it did. */
static inline int chdf5_pool_join_share(chdf5_pool *pool) {
    for (chdf5_pool_share *share = pool->shares; share; share = share->next) {
        if (!share->open) continue;
        share->participants++;
        pthread_mutex_unlock(&pool->lock);
        share->work(share->job);
        pthread_mutex_lock(&pool->lock);
        share->open = 0;
        if (--share->participants == 0) pthread_cond_broadcast(&pool->changed);
        return 1;
    }
    return 0;
}

/* Runs a task taken off the queue (lock held on entry and on return). */
static inline void chdf5_pool_run_task(chdf5_pool *pool, chdf5_pool_task *task) {
    task->state = chdf5_task_running;
    pthread_mutex_unlock(&pool->lock);
    task->run(task->context);
    pthread_mutex_lock(&pool->lock);
    task->state = chdf5_task_done;
    pthread_cond_broadcast(&pool->changed);
}

static inline chdf5_pool_task *chdf5_pool_pop(chdf5_pool *pool) {
    chdf5_pool_task *task = pool->head;
    if (task) {
        pool->head = task->next;
        if (!pool->head) pool->tail = NULL;
        task->next = NULL;
    }
    return task;
}

/* Takes `task` off the queue if it is still there (lock held). */
static inline int chdf5_pool_unqueue(chdf5_pool *pool, chdf5_pool_task *task) {
    chdf5_pool_task *previous = NULL;
    for (chdf5_pool_task *item = pool->head; item; previous = item, item = item->next) {
        if (item != task) continue;
        if (previous) previous->next = item->next; else pool->head = item->next;
        if (pool->tail == item) pool->tail = previous;
        item->next = NULL;
        return 1;
    }
    return 0;
}

static inline void *chdf5_pool_helper(void *argument) {
    chdf5_pool *pool = (chdf5_pool *)argument;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        if (chdf5_pool_join_share(pool)) continue;
        chdf5_pool_task *task = chdf5_pool_pop(pool);
        if (task) { chdf5_pool_run_task(pool, task); continue; }
        if (pool->closing) break;
        pthread_cond_wait(&pool->wake, &pool->lock);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

/* A pool of `helpers` threads (at most CHDF5_POOL_MAX_HELPERS; 0 runs every task in its waiter). NULL when out of
   memory. Threads that cannot be started are simply fewer helpers. */
static inline chdf5_pool *chdf5_pool_open(int helpers) {
    chdf5_pool *pool = (chdf5_pool *)calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->changed, NULL);
    if (helpers > CHDF5_POOL_MAX_HELPERS) helpers = CHDF5_POOL_MAX_HELPERS;
    for (int helper = 0; helper < helpers; helper++) {
        if (pthread_create(&pool->helpers[pool->helper_count], NULL, chdf5_pool_helper, pool) == 0) pool->helper_count++;
    }
    return pool;
}

/* Threads that may take part in a share: the helpers and the one that opened it. */
static inline int chdf5_pool_width(const chdf5_pool *pool) { return pool->helper_count + 1; }

/* Drops every task still queued, lets the running ones finish, stops the helpers and frees the pool. */
static inline void chdf5_pool_close(chdf5_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->lock);
    for (chdf5_pool_task *task = chdf5_pool_pop(pool); task; task = chdf5_pool_pop(pool)) task->state = chdf5_task_dropped;
    pool->closing = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int helper = 0; helper < pool->helper_count; helper++) pthread_join(pool->helpers[helper], NULL);
    pthread_cond_destroy(&pool->changed);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

static inline chdf5_pool_task *chdf5_pool_task_new(chdf5_pool_run_fn run, void *context) {
    chdf5_pool_task *task = (chdf5_pool_task *)calloc(1, sizeof *task);
    if (task) { task->run = run; task->context = context; }
    return task;
}

static inline void chdf5_pool_task_free(chdf5_pool_task *task) { free(task); }

/* Whether `task` has run (read by its submitter after chdf5_pool_wait, or once the pool is closed). */
static inline int chdf5_pool_task_ran(const chdf5_pool_task *task) { return task->state == chdf5_task_done; }

/* Queues `task` behind every earlier one. */
static inline void chdf5_pool_submit(chdf5_pool *pool, chdf5_pool_task *task) {
    pthread_mutex_lock(&pool->lock);
    task->state = chdf5_task_queued;
    task->next = NULL;
    if (pool->tail) pool->tail->next = task; else pool->head = task;
    pool->tail = task;
    pthread_cond_signal(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
}

/* Returns once `task` has run (or was dropped by chdf5_pool_close): it runs here if no helper has started it;
   otherwise this thread works while it waits, as a helper does: it joins open shares (the task's own among them)
   and, when there is none (the task is past its chunks, gathering its result), runs the next queued task, which
   its waiter needs next anyway. */
static inline void chdf5_pool_wait(chdf5_pool *pool, chdf5_pool_task *task) {
    pthread_mutex_lock(&pool->lock);
    if (task->state == chdf5_task_queued && chdf5_pool_unqueue(pool, task)) chdf5_pool_run_task(pool, task);
    while (task->state == chdf5_task_running) {
        if (chdf5_pool_join_share(pool)) continue;
        chdf5_pool_task *next = chdf5_pool_pop(pool);
        if (next) { chdf5_pool_run_task(pool, next); continue; }
        pthread_cond_wait(&pool->changed, &pool->lock);
    }
    pthread_mutex_unlock(&pool->lock);
}

/* Takes `task` off the queue if it has not started (it then never runs); otherwise waits until it has run. */
static inline void chdf5_pool_drop(chdf5_pool *pool, chdf5_pool_task *task) {
    pthread_mutex_lock(&pool->lock);
    if (task->state == chdf5_task_queued && chdf5_pool_unqueue(pool, task)) {
        task->state = chdf5_task_dropped;
    } else {
        while (task->state == chdf5_task_running) {
            if (chdf5_pool_join_share(pool)) continue;
            pthread_cond_wait(&pool->changed, &pool->lock);
        }
    }
    pthread_mutex_unlock(&pool->lock);
}

/* Runs work(job) on this thread with every idle thread of the pool joining in, and returns when all have left. */
static inline void chdf5_pool_run_shared(chdf5_pool *pool, chdf5_pool_work_fn work, void *job) {
    chdf5_pool_share share;
    share.work = work;
    share.job = job;
    share.open = 1;
    share.participants = 1;
    share.next = NULL;
    pthread_mutex_lock(&pool->lock);
    chdf5_pool_share **end = &pool->shares;
    while (*end) end = &(*end)->next;
    *end = &share;
    pthread_cond_broadcast(&pool->wake);
    pthread_cond_broadcast(&pool->changed);
    pthread_mutex_unlock(&pool->lock);
    work(job);
    pthread_mutex_lock(&pool->lock);
    share.open = 0;
    share.participants--;
    while (share.participants > 0) pthread_cond_wait(&pool->changed, &pool->lock);
    for (chdf5_pool_share **link = &pool->shares; *link; link = &(*link)->next) {
        if (*link == &share) { *link = share.next; break; }
    }
    pthread_mutex_unlock(&pool->lock);
}

#endif /* CHDF5_DECODER_POOL_H */
