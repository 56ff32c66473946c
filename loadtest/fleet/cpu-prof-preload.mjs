// Preloaded into the server under test (NODE_OPTIONS=--import …; `--cpu-prof` itself is not allowed in NODE_OPTIONS):
// samples the main thread with the inspector's profiler and writes a .cpuprofile into HOTPATH_FLEET_CPU_PROF_DIR
// when the process exits. The in-thread inspector session answers synchronously, so the exit handler can write.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.HOTPATH_FLEET_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `hotpath-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
